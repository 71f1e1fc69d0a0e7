// Issue #12 item 5 (and the export's resume) in serve mode: kill -9 of the serving process at
// random points of an export (ICM_KILL_ROUNDS rounds, default 10), each round a fresh process on
// the same state folder, then a run to the end. After it: every target's cutout is complete, every
// original's hash is unchanged, the user's own file in the export folder is untouched, and no temp
// file remains in the export folder or the state folder. The last round also checks that "New
// project" from another window does not cancel the running export.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../helpers/rng';
import { FIXTURES, hashTree, leftovers, REPO, sha256File, sleep } from './helpers';
import { REF_LASSO as LASSO } from '../helpers/prompts';

const ROUNDS = Math.max(1, Number(process.env.ICM_KILL_ROUNDS ?? 10));
const TARGETS = 12;

let tmp: string;
before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-kill-serve-')));
});
after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  call(method: string, ...args: unknown[]): Promise<{ result?: unknown; error?: { code: string; message: string } }>;
}

async function startServe(root: string, state: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tests', 'reliability', 'serve-child.ts'), root, state], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.resume();
  const t0 = performance.now();
  while (!/ICM_SERVE_URL=(\S+)/.test(out)) {
    if (child.exitCode !== null || performance.now() - t0 > 120_000) throw new Error(`serve child did not start: ${out}`);
    await sleep(50);
  }
  const url = new URL(/ICM_SERVE_URL=(\S+)/.exec(out)![1]);
  const token = url.searchParams.get('token')!;
  const call = async (method: string, ...args: unknown[]) => {
    const r = await fetch(new URL(`/api/${method}`, url), {
      method: 'POST',
      headers: { 'x-icm-token': token, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    return (await r.json()) as { result?: unknown; error?: { code: string; message: string } };
  };
  return { child, call };
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

describe('item 5: kill -9 during a serve export, then a rerun', () => {
  it(`${ROUNDS} kills at random points of an export; the rerun completes it`, { timeout: 3_000_000 }, async () => {
    const root = join(tmp, 'root');
    const shoot = join(root, 'shoot');
    const out = join(root, 'export');
    const state = join(tmp, 'state');
    await fsp.mkdir(shoot, { recursive: true });
    await fsp.mkdir(out, { recursive: true });
    await fsp.copyFile(join(FIXTURES, 'ref.jpg'), join(shoot, 'ref.jpg'));
    for (let i = 0; i < TARGETS; i++) {
      const src = join(FIXTURES, i % 2 ? 'target-2.jpg' : 'target-1.jpg');
      const m = await sharp(src).metadata();
      await sharp(src)
        .extract({ left: i * 3, top: i * 2, width: m.width! - 40, height: m.height! - 40 })
        .jpeg({ quality: 92 })
        .toFile(join(shoot, `t${String(i + 1).padStart(2, '0')}.jpg`));
    }
    await fsp.writeFile(join(out, 't03.png'), "the user's own file, not ours");
    const foreign = await sha256File(join(out, 't03.png'));
    const originals = await hashTree(shoot);
    const rnd = mulberry32(Number(process.env.ICM_KILL_SEED ?? 4242));
    const log: string[] = [];

    const prepare = async (s: Server): Promise<string> => {
      const t0 = performance.now();
      await s.call('importPaths', [shoot]);
      const photos = (await s.call('listPhotos')).result as Array<{ id: string; name: string }>;
      const ref = photos.find((p) => p.name === 'ref.jpg')!;
      assert.equal((await s.call('setReferences', [{ photoId: ref.id, prompt: LASSO }])).error, undefined);
      const job = await s.call('exportShoot', { outDir: out, format: 'cutout-png', nameTemplate: '{name}' });
      assert.equal(job.error, undefined, JSON.stringify(job.error));
      void t0;
      return job.result as string;
    };
    const exported = async () => (await fsp.readdir(out)).filter((n) => /^t\d\d\.png$/.test(n) && n !== 't03.png').length;

    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const s = await startServe(root, state);
      try {
        const duringLoad = rnd() < 0.2;
        if (duringLoad) await sleep(Math.floor(rnd() * 6000));
        else {
          await prepare(s);
          const base = await exported();
          const k = Math.floor(rnd() * 3);
          while ((await exported()) < Math.min(base + k, TARGETS - 1) && performance.now() - t0 < 300_000) await sleep(50);
          await sleep(Math.floor(rnd() * 3000));
        }
      } finally {
        await killed(s.child);
      }
      log.push(`round ${round + 1}: killed after ${Math.round(performance.now() - t0)} ms, ${await exported()} cutouts`);
      if ((await exported()) >= TARGETS - 1) break;
    }

    const s = await startServe(root, state);
    try {
      const jobId = await prepare(s);
      // Another window's "New project" must not cancel this export.
      const np = await s.call('newProject');
      const st = (await s.call('getStatus')).result as { activeJobs: Array<{ jobId: string }> };
      if (st.activeJobs.some((j) => j.jobId === jobId)) assert.equal(np.error?.code, 'busy', JSON.stringify(np));
      const t0 = performance.now();
      for (;;) {
        const status = (await s.call('getStatus')).result as { activeJobs: Array<{ jobId: string }> };
        if (!status.activeJobs.some((j) => j.jobId === jobId)) break;
        assert.ok(performance.now() - t0 < 900_000, 'export finishes');
        await sleep(200);
      }
    } finally {
      await killed(s.child);
    }

    for (let i = 1; i <= TARGETS; i++) {
      const name = `t${String(i).padStart(2, '0')}`;
      const file = join(out, `${name}.png`);
      if (name === 't03') {
        assert.equal(await sha256File(file), foreign, "the user's own t03.png is never replaced");
        continue;
      }
      const src = await sharp(join(shoot, `${name}.jpg`)).metadata();
      const { info } = await sharp(file, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true }); // decodes to the end
      assert.deepEqual(
        [info.width, info.height, (await sharp(file).metadata()).channels],
        [src.width, src.height, 4],
        `${file} complete\n${log.join('\n')}`,
      );
    }
    const now = await hashTree(shoot);
    for (const [n, h] of originals) assert.equal(now.get(n), h, `original ${n} unchanged`);
    assert.deepEqual(await leftovers(out), [], `temp files in the export folder\n${log.join('\n')}`);
    // the state folder: after a clean start every temp of a killed process is swept
    const s2 = await startServe(root, state);
    for (
      let t0 = performance.now();
      ((await s2.call('getStatus')).result as { engine: string }).engine === 'loading' && performance.now() - t0 < 120_000;
    )
      await sleep(200);
    await killed(s2.child);
    assert.deepEqual(await leftovers(state), [], `temp files in the state folder\n${log.join('\n')}`);
    console.log(log.join('\n'));
  });
});
