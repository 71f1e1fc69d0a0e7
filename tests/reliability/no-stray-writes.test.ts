// Issue #12 item 7: `icm matte` must write nothing outside its output folder (onnxruntime's 1DS
// telemetry wrote ~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db, /tmp/.ses and
// /tmp/mat-debug-<pid>.log on every run; tsx wrote its compile cache to /tmp/tsx-<uid>).
// The real CLI runs under strace; every successful open for writing, create, rename, link, mkdir,
// unlink or truncate is collected with its resolved path (-y decodes directory fds), and any path
// outside the output folder fails the test. A control run of onnxruntime with telemetry explicitly
// left on shows the same watch does see the library's writes (so the check can fail).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { collect, FIXTURES, hasStrace, icm, REPO, show } from './helpers';

const TRACE =
  'trace=openat,open,creat,rename,renameat,renameat2,mkdir,mkdirat,unlink,unlinkat,rmdir,link,linkat,symlink,symlinkat,truncate';

/** Paths the traced process changed (successful calls only), absolute. */
async function writtenPaths(traceFile: string, cwd: string): Promise<string[]> {
  const out = new Set<string>();
  const text = await fsp.readFile(traceFile, 'utf8');
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\d+\s+/, '');
    if (!line || / = -1 /.test(line) || line.includes('<unfinished')) continue;
    const call = line.slice(0, line.indexOf('('));
    const isOpen = call === 'open' || call === 'openat';
    if (isOpen && !/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(line)) continue;
    // Arguments: dirfd decoded by -y as `N</path>`, then "path"; renames/links have two of them.
    const args = [...line.matchAll(/(?:(AT_FDCWD|\d+<([^>]*)>),\s*)?"((?:[^"\\]|\\.)*)"/g)];
    for (const m of args) {
      const p = m[3];
      const base = m[2] ?? cwd;
      const abs = isAbsolute(p) ? p : resolve(base, p);
      out.add(abs);
    }
  }
  return [...out].filter((p) => !p.startsWith('/dev/') && !p.startsWith('/proc/')).sort();
}

function withoutCi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.CI;
  return copy;
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + '/');

let tmp: string;
before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-strace-')));
});
after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe(
  'item 7: no file written outside the output folder',
  { skip: hasStrace() ? false : 'strace is not installed (apt-get install strace; .ci/run installs it)' },
  () => {
    it('the watch sees onnxruntime telemetry writes when telemetry is left on (control)', { timeout: 120_000 }, async () => {
      const home = join(tmp, 'home-control');
      await fsp.mkdir(home);
      const trace = join(tmp, 'control.trace');
      const script = `import * as ort from 'onnxruntime-node'; import { buildResizeGraph } from ${JSON.stringify(join(REPO, 'src/engine/pipeline/graphs.ts'))}; await ort.InferenceSession.create(buildResizeGraph());`;
      const child = spawn(
        'strace',
        ['-f', '-qq', '-y', '-e', TRACE, '-o', trace, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: REPO,
          // CI unset: onnxruntime keeps telemetry off under CI=true (.ci/run), and this control must see it.
          env: { ...withoutCi(process.env), HOME: home, XDG_CACHE_HOME: join(home, '.cache'), ORT_DISABLE_TELEMETRY: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const r = await collect(child, 100_000);
      assert.equal(r.code, 0, show(r));
      const w = await writtenPaths(trace, REPO);
      assert.ok(
        w.some((p) => p.includes('onnxruntime.db')),
        `expected the telemetry database among the writes:\n${w.join('\n')}`,
      );
      assert.ok(
        w.some((p) => /mat-debug-\d+\.log$/.test(p)),
        `expected the telemetry debug log among the writes:\n${w.join('\n')}`,
      );
      for (const p of w) if (/mat-debug-\d+\.log$|\/\.ses$/.test(p) && !inside(p, home)) await fsp.rm(p, { force: true });
    });

    it('icm matte (a good and a bad target, --heatmaps) writes only inside --out', { timeout: 240_000 }, async () => {
      const home = join(tmp, 'home');
      const work = join(tmp, 'work');
      await fsp.mkdir(home);
      await fsp.mkdir(work);
      await fsp.writeFile(join(work, 'bad.jpg'), 'not a jpeg');
      const trace = join(tmp, 'matte.trace');
      const out = join(work, 'out');
      const r = await icm(
        [
          'matte',
          '--quiet',
          '--heatmaps',
          '--reference',
          join(FIXTURES, 'ref.jpg'),
          '--mask',
          join(FIXTURES, 'ref-mask.png'),
          '--out',
          'out',
          join(FIXTURES, 'target-1.jpg'),
          'bad.jpg',
        ],
        {
          cwd: work,
          env: { HOME: home, XDG_CACHE_HOME: join(home, '.cache'), TMPDIR: undefined },
          prefix: ['strace', '-f', '-qq', '-y', '-e', TRACE, '-o', trace],
        },
      );
      assert.equal(r.code, 1, show(r)); // the bad target fails, the good one is written
      const w = await writtenPaths(trace, work);
      assert.ok(
        w.some((p) => p === join(out, 'target-1.png')),
        `the watch must see the matte itself:\n${w.join('\n')}`,
      );
      const stray = w.filter((p) => !inside(p, out));
      assert.deepEqual(stray, [], `written outside --out:\n${stray.join('\n')}`);
      assert.deepEqual(await fsp.readdir(home), [], 'nothing in $HOME');
    });
  },
);
