// `icm matte … CLIP.mp4` (issue 16): a real H.264 MP4 made at test time with the npm ffmpeg (four
// 320x240 frames cut from the fixture target-1.jpg, the window sliding 12 px right each frame),
// matted by the real ISNet pack through the CLI: one PNG per frame, report.json with every frame,
// --clip webm decoded back (libvpx: the alpha plane) to the same frames with alpha, and a run
// killed with SIGKILL after two frames that resumes to the same frames an uninterrupted run wrote.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readAlphaFrames } from '../../src/engine/video/alpha-source';
import { probeVideo } from '../../src/engine/video/probe';
import { gray, iou } from '../helpers/alpha';
import { extractPng, ffmpeg, FFMPEG, meanAbsDiff } from '../helpers/video';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'icm.mjs');
const FIXTURES = join(REPO, 'tests', 'fixtures');
const [W, H, STEP, FRAMES, FPS] = [320, 240, 12, 4, 12];
const TIMEOUT = { timeout: 600_000 };
const names = [...Array(FRAMES).keys()].map((i) => `frame_${String(i).padStart(6, '0')}`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Run>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ICM_DEBUG: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((ok) => child.on('close', (code) => ok({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

const run = (args: string[], env?: NodeJS.ProcessEnv): Promise<Run> => start(args, env).done;

interface Report {
  targets: Array<Record<string, unknown> & { files?: Array<{ name: string; sha256: string; state: string }> }>;
  clips?: Array<{ format: string; fps: number; frames: number; file: { name: string; sha256: string; state: string } }>;
}

async function readReport(dir: string): Promise<Report | null> {
  try {
    return JSON.parse(await fsp.readFile(join(dir, 'report.json'), 'utf8')) as Report;
  } catch {
    return null; // not written yet (or, never, half-written: it is renamed into place)
  }
}

describe('icm matte on a video file (issue 16)', () => {
  let tmp: string;
  let clip: string;
  let ref: string;
  let mask: string;
  let truthDir: string;
  let matte: (out: string, ...extra: string[]) => string[];
  before(async () => {
    tmp = await fsp.mkdtemp(join(os.tmpdir(), 'icm-video-cli-'));
    const framesDir = join(tmp, 'frames');
    truthDir = join(tmp, 'truth');
    await fsp.mkdir(framesDir);
    await fsp.mkdir(truthDir);
    for (let k = 0; k < FRAMES; k++) {
      const region = { left: k * STEP, top: 30, width: W, height: H };
      await sharp(join(FIXTURES, 'target-1.jpg'))
        .extract(region)
        .png()
        .toFile(join(framesDir, `f_${k}.png`));
      await sharp(join(FIXTURES, 'target-1-alpha.png'))
        .extract(region)
        .png()
        .toFile(join(truthDir, `${names[k]}.png`));
    }
    clip = join(tmp, 'spin.mp4');
    ffmpeg('-framerate', String(FPS), '-i', join(framesDir, 'f_%d.png'), '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', clip);
    // The reference is the first frame as the video holds it (H.264 is lossy), its prompt the truth.
    ref = join(tmp, 'spin-0.png');
    extractPng(clip, 0, ref);
    mask = join(truthDir, `${names[0]}.png`);
    matte = (out, ...extra) => ['matte', '--reference', ref, '--mask', mask, '--out', out, ...extra, clip];
  });
  after(async () => {
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('mattes every frame, writes one PNG each, report.json lists them all, and --clip webm decodes back with alpha', TIMEOUT, async () => {
    const out = join(tmp, 'out');
    const r = await run(matte(out, '--clip', 'webm'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${FRAMES} frames of ${W}x${H} at ${FPS} fps from .*spin\\.mp4, temporal coherence on`));
    assert.match(r.stderr, new RegExp(`${FRAMES}/${FRAMES} .*spin\\.mp4#${names[FRAMES - 1]} ok`));
    assert.deepEqual((await fsp.readdir(out)).sort(), [...names.map((n) => `${n}.png`), 'report.json', 'spin.webm'].sort());
    for (const n of names) {
      const meta = await sharp(join(out, `${n}.png`)).metadata();
      assert.deepEqual([meta.width, meta.height, meta.channels], [W, H, 1], n);
      const score = iou(await gray(join(out, `${n}.png`)), await gray(join(truthDir, `${n}.png`)));
      assert.ok(score > 0.7, `${n}: IoU ${score.toFixed(2)} with the moved product`);
    }

    const report = (await readReport(out))!;
    assert.equal(report.targets.length, FRAMES);
    report.targets.forEach((t, k) => {
      assert.equal(t.target, `${clip}#${names[k]}`);
      assert.equal(t.output, join(out, `${names[k]}.png`));
      assert.equal(t.status, 'ok');
      assert.equal(t.frame, k);
      assert.equal(typeof t.confidence, 'number');
      assert.equal(typeof t.review, 'boolean');
      assert.equal(typeof t.kept, 'number');
      assert.equal(typeof t.dropped, 'number');
      assert.equal(typeof t.ms, 'number');
      assert.equal(t.files?.[0].state, 'written');
    });
    const webm = join(out, 'spin.webm');
    const rec = report.clips?.[0];
    assert.deepEqual([rec?.format, rec?.fps, rec?.frames, rec?.file.name, rec?.file.state], ['webm', FPS, FRAMES, 'spin.webm', 'written']);

    // Decoded back by ffmpeg itself: VP9 with an alpha plane (yuva420p through libvpx), N frames, the frame size and rate.
    const described = spawnStderr(['-hide_banner', '-c:v', 'libvpx-vp9', '-i', webm, '-f', 'null', '-']);
    assert.match(described, /Video: vp9.*yuva420p/, described);
    const probe = await probeVideo(FFMPEG, webm);
    assert.deepEqual([probe.frameCount, probe.width, probe.height, probe.fps], [FRAMES, W, H, FPS]);
    let k = 0;
    for await (const f of readAlphaFrames(webm)) {
      const png = await gray(join(out, `${names[k]}.png`));
      assert.ok(f.alpha.some((v) => v < 128) && f.alpha.some((v) => v >= 128), `frame ${k} has transparent and opaque parts`);
      const d = meanAbsDiff(f.alpha, png);
      assert.ok(d < 6, `frame ${k}: the clip's alpha is the frame's matte (mean difference ${d.toFixed(2)})`);
      k++;
    }
    assert.equal(k, FRAMES);

    // The same command again: nothing changed, every frame and the clip are kept, the model is not loaded.
    const again = await run(matte(out, '--clip', 'webm'));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`${FRAMES} of ${FRAMES} frames unchanged since the last run: kept`));
    assert.match(again.stderr, /spin\.webm unchanged since the last run: kept/);
    assert.doesNotMatch(again.stderr, /model isnet/);
  });

  it('a run killed after two frames resumes: the finished frames are kept and the rest equal an uninterrupted run', TIMEOUT, async () => {
    const whole = join(tmp, 'out');
    assert.ok(await readReport(whole), 'the previous test wrote the uninterrupted run');
    const out = join(tmp, 'killed');
    const first = start(matte(out));
    // SIGKILL (no chance to clean up) once the report vouches for two written frames.
    for (;;) {
      const rep = await readReport(out);
      if ((rep?.targets ?? []).filter((t) => t.files?.[0]?.state === 'written').length >= 2) break;
      if (first.child.exitCode !== null) assert.fail(`the run ended before it was killed: ${first.stderr()}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    first.child.kill('SIGKILL');
    await first.done;
    const left = (await fsp.readdir(out)).filter((n) => n.endsWith('.png'));
    assert.ok(left.length >= 2 && left.length < FRAMES, `killed with ${left.length} frames written`);

    const second = await run(matte(out));
    assert.equal(second.code, 0, second.stderr);
    const kept = Number(/(\d+) of 4 frames unchanged since the last run: kept/.exec(second.stderr)?.[1]);
    assert.ok(kept >= 2 && kept < FRAMES, `kept ${kept}: ${second.stderr}`);
    assert.match(second.stderr, /model isnet/);
    const report = (await readReport(out))!;
    assert.equal(report.targets.length, FRAMES);
    report.targets.forEach((t, i) => {
      assert.equal(t.status, 'ok');
      assert.equal(t.resumed === true, i < kept, `frame ${i} resumed`);
    });
    // The chain restarted from the last frame that taught it: byte for byte the uninterrupted run's
    // frames, and the head's decisions to the last digit (on this clip the alphas of temporal on and
    // off are alike, their confidences are not: a resume without the chain's state differs here).
    for (const n of names) assert.deepEqual(await fsp.readFile(join(out, `${n}.png`)), await fsp.readFile(join(whole, `${n}.png`)), n);
    const decisions = (rep: Report) => rep.targets.map((t) => [t.confidence, t.kept, t.dropped, t.review]);
    assert.deepEqual(decisions(report), decisions((await readReport(whole))!));
    assert.deepEqual(
      (await fsp.readdir(out)).filter((n) => n.startsWith('.')),
      [],
      'no temp file of the killed run is left',
    );
  });

  it('refuses what it cannot do before any frame is matted', TIMEOUT, async () => {
    const out = join(tmp, 'refused');
    const fps = await run(matte(out, '--clip', 'webm', '--fps', '30'));
    assert.equal(fps.code, 2);
    assert.match(fps.stderr, /--fps is for a folder of frames; a video keeps its own frame rate/);
    const crop = await run(matte(out, '--clip', 'webm', '--crop', 'margin=5%'));
    assert.equal(crop.code, 2);
    assert.match(crop.stderr, /--clip needs every frame at the same size: not with --crop/);
    const format = await run(matte(out, '--clip', 'gif'));
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--clip must be webm, webp or prores/);
    const photo = await run(['matte', '--reference', ref, '--mask', mask, '--out', out, '--clip', 'webm', ref]);
    assert.equal(photo.code, 2);
    assert.match(photo.stderr, /--clip applies to a sequence: a folder of frames or a video file/);
    const missing = await run(matte(out), { ICM_FFMPEG: join(tmp, 'no-such-ffmpeg') });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no-such-ffmpeg" \(from ICM_FFMPEG\) was not found/);
    // A file icm did not write where a frame goes is refused (the model is never loaded).
    await fsp.mkdir(out, { recursive: true });
    await fsp.writeFile(join(out, `${names[1]}.png`), 'the user’s own file');
    const stranger = await run(matte(out));
    assert.equal(stranger.code, 1);
    assert.match(stranger.stderr, /frame_000001\.png.*has no record of it; pass --overwrite/);
    assert.doesNotMatch(stranger.stderr, /model isnet/);
    assert.deepEqual(await fsp.readdir(out), [`${names[1]}.png`]);
  });

  it('ICM_FFMPEG points the CLI at another ffmpeg binary', TIMEOUT, async () => {
    // A wrapper that records each run and execs the bundled binary: the CLI used it.
    const log = join(tmp, 'ffmpeg-runs.log');
    const wrapper = join(tmp, 'studio-ffmpeg');
    await fsp.writeFile(wrapper, `#!/bin/sh\necho run >> '${log}'\nexec '${FFMPEG}' "$@"\n`, { mode: 0o755 });
    const out = join(tmp, 'out'); // every frame is kept: only the probe and the clip touch ffmpeg
    const r = await run(matte(out, '--clip', 'webm'), { ICM_FFMPEG: wrapper });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await fsp.readFile(log, 'utf8')).split('\n').filter(Boolean).length >= 2, 'the wrapper ran');
  });
});

/** What ffmpeg prints on stderr (the input's description) for these arguments. */
function spawnStderr(args: string[]): string {
  return spawnSync(FFMPEG, args, { encoding: 'utf8' }).stderr;
}
