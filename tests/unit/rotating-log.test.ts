// The log file (src/service/rotating-log.ts) on real files: rotation at the cap, the oldest file
// dropped, whole lines under concurrent writes, a failing disk never reaching the caller; and the
// lines the hosts write about the service's events (src/service/service-log.ts).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { RotatingLog } from '../../src/service/rotating-log';
import { serviceEventLogger } from '../../src/service/service-log';
import type { JobProgress, ServiceStatus } from '../../src/shared/contract';

const dirs: string[] = [];
async function tmpDir(): Promise<string> {
  const d = await fsp.mkdtemp(join(os.tmpdir(), 'icm-log-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await fsp.rm(d, { recursive: true, force: true });
});

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN |ERROR) (.*)$/;

async function linesOf(file: string): Promise<string[]> {
  const text = await fsp.readFile(file, 'utf8');
  assert.ok(text.endsWith('\n'), `${file} ends with a whole line`);
  return text.slice(0, -1).split('\n');
}

describe('RotatingLog', () => {
  it('writes timestamped lines; a multi-line message stays one entry (continuation lines indented)', async () => {
    const dir = join(await tmpDir(), 'logs'); // created on the first write
    const log = new RotatingLog({ dir, now: () => new Date('2026-12-02T04:00:00.000Z') });
    log.info('started');
    log.error('job failed', new Error('boom\nsecond line'));
    await log.flush();
    const lines = await linesOf(join(dir, 'icm.log'));
    assert.equal(lines[0], '2026-12-02T04:00:00.000Z INFO  started');
    assert.match(lines[1], /^2026-12-02T04:00:00\.000Z ERROR job failed: Error: boom$/);
    assert.equal(lines[2], '    second line');
    assert.ok(
      lines.slice(3).every((l) => l.startsWith('    ')),
      'the stack is indented under its entry',
    );
  });

  it('rotates at the cap: no file passes it, `keep` rotated files are kept, the oldest is dropped', async () => {
    const dir = await tmpDir();
    const maxBytes = 1000;
    const log = new RotatingLog({ dir, maxBytes, keep: 2 });
    // Each entry is 38 bytes (timestamp, level, `n=0123`, newline): 200 of them are 7.6 kB.
    for (let i = 0; i < 200; i++) {
      log.info(`n=${String(i).padStart(4, '0')}`);
      if (i % 17 === 0) await log.flush(); // several batches, as in real use
    }
    await log.flush();
    const files = (await fsp.readdir(dir)).sort();
    assert.deepEqual(files, ['icm.log', 'icm.log.1', 'icm.log.2'], 'the current file and two rotated ones');
    const numbers: number[] = [];
    for (const f of ['icm.log.2', 'icm.log.1', 'icm.log']) {
      const size = (await fsp.stat(join(dir, f))).size;
      assert.ok(size <= maxBytes, `${f}: ${size} bytes ≤ ${maxBytes}`);
      if (f !== 'icm.log') assert.ok(size > maxBytes - 40, `${f} was rotated only when the next line would not fit (${size} bytes)`);
      for (const l of await linesOf(join(dir, f))) numbers.push(Number(/n=(\d+)/.exec(l)![1]));
    }
    // Oldest first across the files, contiguous, ending with the last entry; the first ones are gone.
    assert.equal(numbers.at(-1), 199);
    assert.ok(numbers[0] > 0, `the oldest entries were dropped (the kept ones start at n=${numbers[0]})`);
    numbers.forEach((n, k) => assert.equal(n, numbers[0] + k, 'no entry lost or reordered between the kept files'));
  });

  it('keeps whole lines when many callers write at once', async () => {
    const dir = await tmpDir();
    const log = new RotatingLog({ dir, maxBytes: 128 * 1024, keep: 5 });
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 250; i++) {
          log.warn(`writer ${w} entry ${i} ${'x'.repeat((w * 37 + i) % 300)}`);
          if (i % 25 === 0) await new Promise((r) => setImmediate(r));
        }
      })(),
    );
    await Promise.all(writers);
    await log.flush();
    const seen = new Map<number, number[]>();
    const files = await fsp.readdir(dir);
    assert.ok(files.length >= 3, `it rotated on the way (${files.join(', ')})`);
    for (const f of files) {
      for (const l of await linesOf(join(dir, f))) {
        const m = LINE.exec(l);
        assert.ok(m, `a whole entry: ${l.slice(0, 80)}`);
        const e = /^writer (\d) entry (\d+) (x*)$/.exec(m[2]);
        assert.ok(e, `its message intact: ${m[2].slice(0, 80)}`);
        const [w, i] = [Number(e[1]), Number(e[2])];
        assert.equal(e[3].length, (w * 37 + i) % 300, 'no part of another entry inside it');
        seen.set(w, [...(seen.get(w) ?? []), i]);
      }
    }
    // Everything fits in the kept files here: every entry is there once.
    for (let w = 0; w < 8; w++) assert.equal(new Set(seen.get(w)).size, 250, `writer ${w}: all 250 entries`);
  });

  it('never throws into the app when it cannot write; tells once; writes again when it can', async () => {
    const base = await tmpDir();
    const blocker = join(base, 'not-a-folder');
    await fsp.writeFile(blocker, 'a file where the log folder should be');
    const errors: unknown[] = [];
    const log = new RotatingLog({ dir: blocker, onError: (e) => errors.push(e) });
    assert.doesNotThrow(() => {
      log.info('one');
      log.error('two', new Error('x'));
    });
    await log.flush();
    log.info('three');
    await log.flush();
    assert.equal(errors.length, 1, 'the failure is told once, not per line');
    // The folder becomes writable: the log carries on.
    await fsp.rm(blocker);
    log.info('four');
    await log.flush();
    assert.match((await linesOf(join(blocker, 'icm.log')))[0], /INFO {2}four$/);
    // The synchronous entry of a dying process lands at once, after what was queued.
    log.info('five');
    await log.flush();
    log.writeNow('error', 'uncaughtException: Error: x\n    at f');
    const last = await linesOf(join(blocker, 'icm.log'));
    assert.match(last.at(-2)!, /ERROR uncaughtException: Error: x$/);
    assert.equal(last.at(-1), '        at f');
    // An onError that throws is swallowed too.
    const bad = new RotatingLog({
      dir: join(base, 'x', '\0'),
      onError: () => {
        throw new Error('handler broke');
      },
    });
    bad.info('y');
    await bad.flush();
    assert.doesNotThrow(() => bad.writeNow('error', 'z'));
  });
});

describe('service events in the log', () => {
  const status = (s: Partial<ServiceStatus>): ServiceStatus => ({ engine: 'loading', activeJobs: [], ...s }) as ServiceStatus;
  const job = (j: Partial<JobProgress>): JobProgress =>
    ({ jobId: 'j1', kind: 'run', state: 'running', done: 0, total: 3, failed: 0, skipped: 0, etaMs: null, ...j }) as JobProgress;

  it('logs the engine provider once, job ends with their failures, and each failed photo once', () => {
    const out: string[] = [];
    const log = {
      info: (m: string) => out.push(`I ${m}`),
      warn: (m: string) => out.push(`W ${m}`),
      error: (m: string) => out.push(`E ${m}`),
    };
    const feed = serviceEventLogger(log);
    feed({ type: 'status', status: status({ engine: 'loading' }) });
    feed({ type: 'status', status: status({ engine: 'ready', provider: 'cpu', providerNote: 'auto: no GPU', pack: 'isnet-medium' }) });
    feed({ type: 'status', status: status({ engine: 'ready', provider: 'cpu', providerNote: 'auto: no GPU', pack: 'isnet-medium' }) });
    feed({ type: 'job', job: job({ done: 1 }) });
    const failed = { id: 'p1', path: '/s/a.jpg', state: 'failed', error: 'cannot read image "a.jpg": cut short' } as const;
    feed({ type: 'photos', photos: [failed as never] });
    feed({ type: 'photos', photos: [failed as never] });
    feed({
      type: 'job',
      job: job({
        state: 'done',
        done: 3,
        failed: 1,
        summary: { written: [], skipped: [], failures: [{ path: '/s/a.jpg', reason: 'cut short' }], elapsedMs: 2500 },
      }),
    });
    feed({ type: 'job', job: job({ state: 'done', done: 3, failed: 1 }) });
    feed({ type: 'status', status: status({ engine: 'failed', engineError: 'model file missing' }) });
    assert.deepEqual(out, [
      'I engine loading',
      'I engine ready: provider cpu (auto: no GPU), model pack isnet-medium',
      'W photo failed: /s/a.jpg: cannot read image "a.jpg": cut short',
      'W run job j1 done: 3/3 done, 1 failed, 0 skipped, 2.5 s',
      'W   /s/a.jpg: cut short',
      'E engine failed: model file missing',
    ]);
  });
});
