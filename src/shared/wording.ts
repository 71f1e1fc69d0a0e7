// Words shared by the CLI and the app's UI, so both describe a result the same way.
import type { Approval, Decision, LeftOutReason } from './vocabulary';

/** The head's decision for a CLI line: "kept 1 dropped 2 confidence 0.93", plus "review: <reason>" when the photo needs a look. */
export function decisionLabel(r: Decision): string {
  return `kept ${r.kept} dropped ${r.dropped} confidence ${r.confidence.toFixed(2)}${r.review ? ` review: ${r.reason ?? 'unsure'}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The app's words for a photographer. The paper's names (S, S′, eq. 4/5, salient region) stay in
// the tooltips (`paper`), never in the visible text.

export interface Words {
  /** What the UI shows. */
  text: string;
  /** Tooltip: the same with the paper's terms. */
  paper: string;
}

export const MAP_WORDS: Record<'inter' | 'intra', Words & { short: string }> = {
  inter: {
    text: 'Where the product was found',
    short: 'Found',
    paper: 'S, inter-similarity (IconMatting eq. 4): how closely each spot of this photo matches the features marked on the reference',
  },
  intra: {
    text: 'How it spread over the object',
    short: 'Spread',
    paper: "S′, intra-similarity (IconMatting eq. 5): S spread over the object through the photo's self-similarity",
  },
};

/** The spread map's levels: the combined one the matte uses, or one level of detail of the model. */
export function scaleWords(scale: { side: number } | null, index = 0, count = 1): Words {
  if (!scale) return { text: 'combined (used for the cut-out)', paper: 'S′ fused: the spread on the similarity grid that the matte uses' };
  const level = count <= 1 ? 'detail' : index === 0 ? 'coarse detail' : index === count - 1 ? 'fine detail' : 'medium detail';
  return {
    text: `${level} (${scale.side}×${scale.side})`,
    paper: `S′ at the ${scale.side}² decoder scale: one step of eq. 5 with that feature scale's self-affinity`,
  };
}

/** What the head kept, in the result line. */
export function decisionWords(r: Omit<Decision, 'confidence'>): Words {
  const paper = `kept ${r.kept}, dropped ${r.dropped} candidate objects (salient regions split where the two-label competition of S′ meets), each kept or dropped whole by the selection model`;
  if (r.review) return { text: `Needs a look: ${r.reason ?? 'unsure which objects are the product'}`, paper };
  const kept = r.kept === 1 ? 'Product found' : `${r.kept} parts kept as the product`;
  return { text: r.dropped > 0 ? `${kept}, ${r.dropped} other object${r.dropped === 1 ? '' : 's'} left out` : kept, paper };
}

/** How sure the head is (0–1), in the result line. */
export function confidenceWords(confidence: number): Words {
  const c = Math.max(0, Math.min(1, confidence));
  return {
    text: `Sure: ${Math.round(c * 100)} %`,
    paper: `confidence ${c.toFixed(2)} = 1 − 2 × the share of the salient area the selection model expects on the wrong side`,
  };
}

/**
 * A file error in a photographer's terms, with the technical message kept for "details".
 * Unknown messages come back as they are (plain = the message, no details).
 */
export function fileErrorWords(message: string): { plain: string; details: string | null } {
  const m = message;
  const rules: Array<[RegExp, string]> = [
    [/empty \(0 bytes\)/i, 'The file is empty (0 bytes) — did the copy fail?'],
    [
      /premature end|unexpected end|end of (file|stream|data)|incomplete|truncated file|file is truncated/i,
      'The file is cut short — an incomplete copy? Copy it again from the card or the camera.',
    ],
    [/file not found|ENOENT|no such file|moved or deleted/i, 'The file is not there — moved, deleted, or a typo in the path?'],
    [/permission denied|EACCES|EPERM/i, 'The app is not allowed to read this file (check its permissions).'],
    [/not a supported image type/i, 'Not a photo this app reads: use JPEG, PNG, TIFF or WebP.'],
    [
      /unsupported image format|not a (supported|readable) image|corrupt|file is damaged|bad (huffman|marker)/i,
      'The file is damaged, or is not a JPEG, PNG, TIFF or WebP photo.',
    ],
    [/is a directory|not a file/i, 'This is a folder, not a photo.'],
    [/no space left/i, 'The disk is full.'],
  ];
  for (const [re, plain] of rules) if (re.test(m)) return { plain, details: m };
  return { plain: m, details: null };
}

// ---------------------------------------------------------------------------------------------
// Serve mode: the folders the server may use

/** How to let the server use another folder (serve mode uses only the folders it was started with). */
export function allowFolderWords(folder: string): string {
  const arg = /^[\w@%+=:,./-]+$/.test(folder) ? folder : `"${folder.replaceAll('"', '\\"')}"`;
  return `to use it, restart the server with \`icm serve --root ${arg}\` (repeat --root to keep the folders it uses now)`;
}

/** The hint beside the serve mode's path fields and folder browser. */
export const ROOTS_HINT =
  'This server reads and writes only inside the folders it was started with; to add one, restart it with `icm serve --root <folder>`.';

// ---------------------------------------------------------------------------------------------
// Review and export scope

/** A reason a photo was left out of an export, as a count reads: "2 need review". */
const LEFT_OUT_PHRASES: Record<LeftOutReason, [one: string, many: string]> = {
  'needs-review': ['needs review', 'need review'],
  excluded: ['excluded', 'excluded'],
  failed: ['failed', 'failed'],
};

/** One left-out photo's reason, in the export summary's list. */
export const LEFT_OUT_WORDS: Record<LeftOutReason, string> = {
  'needs-review': 'needs review (approve it to export it)',
  excluded: 'excluded',
  failed: 'failed',
};

/** "3 photos left out: 2 need review, 1 excluded" (empty when nothing is left out). */
export function leftOutWords(reasons: readonly LeftOutReason[]): string {
  if (reasons.length === 0) return '';
  const parts: string[] = [];
  for (const reason of Object.keys(LEFT_OUT_PHRASES) as LeftOutReason[]) {
    const n = reasons.filter((r) => r === reason).length;
    if (n) parts.push(`${n} ${LEFT_OUT_PHRASES[reason][n === 1 ? 0 : 1]}`);
  }
  return `${reasons.length} photo${reasons.length === 1 ? '' : 's'} left out: ${parts.join(', ')}`;
}

/** The user's call on a photo, for tiles and buttons. */
export const APPROVAL_WORDS: Record<Approval, { text: string; mark: string }> = {
  approved: { text: 'approved', mark: '✓' },
  excluded: { text: 'excluded', mark: '⊘' },
};

// ---------------------------------------------------------------------------------------------
// References: the one marked by hand and the photos promoted from their matte ("fix one, fix the rest")

/** The action on a matted photo that makes its matte one more reference. */
export const PROMOTE_WORDS = {
  button: 'Use this matte as a reference',
  title:
    'Add this photo to the references, marked by its matte as you see it (your corrections included); the photos that need review are matted again with it. Approved, excluded, corrected and sure photos keep their matte.',
  notYet: 'Matte this photo first (open it, or Run all); then its matte can be used as a reference.',
  paper: 'IconMatting Table 6: several references, their in-context queries joined',
} as const;

/** What a reference is marked with, in the references list. */
export function referenceKindWords(fromMatte: boolean, first: boolean): string {
  if (fromMatte) return 'marked by its matte';
  return first ? 'marked by you (main)' : 'marked by you';
}

/** The toast after a promotion: "target-1.jpg is now a reference: 2 photos that need review are matted again; 3 keep their matte." */
export function promotedWords(name: string, rematting: number, kept: number): string {
  const again =
    rematting === 0
      ? 'no photo needs review, so none is matted again'
      : `${rematting} photo${rematting === 1 ? ' that needs' : 's that need'} review ${rematting === 1 ? 'is' : 'are'} matted again`;
  return `${name} is now a reference: ${again}; ${kept} keep${kept === 1 ? 's' : ''} ${kept === 1 ? 'its' : 'their'} matte.`;
}

/** What About says instead of a link while package.json names no public source address (AboutInfo.sourceUrl null). */
export const SOURCE_NOT_PUBLISHED =
  'This build names no public address for its source yet (package.json "repository" is set when a version is released). ' +
  'Ask whoever gave you this app, or runs this server, for the source of this version: the licence obliges them to provide it.';
