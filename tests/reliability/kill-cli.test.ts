// Issue #12 items 5 and 9 together: kill -9 at random points of a 30-target `icm matte` run whose
// --out is the photos' own folder (ICM_KILL_ROUNDS rounds, default 10, each bounded), then a rerun.
// After it: every target has a complete output that the report vouches for, every original's hash
// is unchanged, no temp file remains, and one more rerun keeps everything without loading the model.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../helpers/rng';
import { collect, FIXTURES, hashTree, icm, leftovers, sha256File, show, sleep, startIcm } from './helpers';

const ROUNDS = Math.max(1, Number(process.env.ICM_KILL_ROUNDS ?? 10));
const TARGETS = 30;
const REF = ['--reference', join(FIXTURES, 'ref.jpg'), '--mask', join(FIXTURES, 'ref-mask.png')];

let tmp: string;
before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-kill-cli-')));
});
after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('items 5 + 9: kill -9 during a 30-target CLI run, then rerun', () => {
  it(
    `${ROUNDS} kills at random points, then a rerun completes; outputs complete, originals unchanged, no temp files`,
    { timeout: 3_000_000 },
    async () => {
      const shoot = join(tmp, 'shoot');
      await fsp.mkdir(shoot);
      // 30 distinct small photos: crops of the two fixture targets at varying offsets.
      const names: string[] = [];
      for (let i = 0; i < TARGETS; i++) {
        const src = join(FIXTURES, i % 2 ? 'target-2.jpg' : 'target-1.jpg');
        const m = await sharp(src).metadata();
        const w = m.width! - 40;
        const h = m.height! - 40;
        const name = `t${String(i + 1).padStart(2, '0')}.jpg`;
        await sharp(src)
          .extract({ left: i % 40, top: (i * 7) % 40, width: w, height: h })
          .jpeg({ quality: 92 })
          .toFile(join(shoot, name));
        names.push(name);
      }
      const originals = await hashTree(shoot);
      const args = ['matte', ...REF, '--out', 'shoot', ...names.map((n) => `shoot/${n}`)];
      const rnd = mulberry32(Number(process.env.ICM_KILL_SEED ?? 20261201));
      const log: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const child = startIcm(args, { cwd: tmp });
        const done = collect(child, 600_000);
        // A random point: during the model load (1 in 5), or 0..3 s after the k-th target of this
        // round was reported (k = 0..2), so each round moves the shoot on and kills land anywhere
        // in a target's matting, its writes or the report update.
        let stderr = '';
        child.stderr!.on('data', (d: string) => (stderr += d));
        const t0 = performance.now();
        const duringLoad = rnd() < 0.2;
        const k = Math.floor(rnd() * 3);
        const reported = () => (stderr.match(/^\d+\/30 /gm) ?? []).length;
        const base = reported();
        if (duringLoad) await sleep(Math.floor(rnd() * 8000));
        else {
          while (!/icm: model /.test(stderr) && child.exitCode === null && performance.now() - t0 < 300_000) await sleep(50);
          while (reported() < base + k && child.exitCode === null && performance.now() - t0 < 300_000) await sleep(50);
          await sleep(Math.floor(rnd() * 3000));
        }
        child.kill('SIGKILL');
        const r = await done;
        const finished = (r.stderr.match(/^\d+\/30 .* ok /gm) ?? []).length;
        log.push(
          `round ${round + 1}: ${r.signal ?? `exit ${r.code}`} after ${Math.round(performance.now() - t0)} ms, ${finished} targets reported`,
        );
        if (r.code === 0) break; // finished before the kill: nothing more to interrupt
      }
      const final = await icm(args, { cwd: tmp, timeoutMs: 1_200_000 });
      assert.equal(final.code, 0, `${log.join('\n')}\n${show(final)}`);

      const report = JSON.parse(await fsp.readFile(join(shoot, 'report.json'), 'utf8'));
      assert.equal(report.targets.length, TARGETS);
      for (const [i, name] of names.entries()) {
        const e = report.targets[i];
        assert.equal(e.status, 'ok', JSON.stringify(e));
        const out = join(shoot, name.replace(/\.jpg$/, '.png'));
        assert.equal(e.files[0].sha256, await sha256File(out), `${out}: the report's hash`);
        // complete: decodes strictly at the photo's size
        const src = await sharp(join(shoot, name)).metadata();
        const { info } = await sharp(out, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true }); // decodes to the end
        assert.deepEqual([info.width, info.height, (await sharp(out).metadata()).channels], [src.width, src.height, 1], out);
      }
      const now = await hashTree(shoot);
      for (const [n, h] of originals) assert.equal(now.get(n), h, `original ${n} unchanged`);
      assert.deepEqual(await leftovers(shoot), [], `temp files left\n${log.join('\n')}`);

      const again = await icm(args, { cwd: tmp });
      assert.equal(again.code, 0, show(again));
      assert.equal((again.stderr.match(/unchanged since the last run: kept/g) ?? []).length, TARGETS, show(again));
      assert.doesNotMatch(again.stderr, /icm: model /, 'all kept: the model is not loaded');
      const after2 = await hashTree(shoot);
      for (const [n, h] of now) if (n !== 'report.json') assert.equal(after2.get(n), h, `${n} not rewritten`);
      console.log(log.join('\n'));
    },
  );
});
