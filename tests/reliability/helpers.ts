// Shared by the reliability suite: the real `icm` in a child process, hashes and listings.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO, 'bin', 'icm.mjs');
export const FIXTURES = join(REPO, 'tests', 'fixtures');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ICM_MODELS_DIR;
  delete env.ICM_DEBUG;
  delete env.ORT_DISABLE_TELEMETRY;
  // onnxruntime's telemetry stays off when CI is set (.ci/run sets CI=true), which would hide the
  // very writes the stray-write watch is there to catch: run the CLI as a user's machine would.
  delete env.CI;
  for (const [k, v] of Object.entries(extra))
    if (v === undefined) delete env[k];
    else env[k] = v;
  return env;
}

/** Starts `icm ARGS` (or `prefix... node icm ARGS`) in `cwd`. */
export function startIcm(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; prefix?: string[] }): ChildProcess {
  const cmd = opts.prefix?.length ? opts.prefix[0] : process.execPath;
  const argv = opts.prefix?.length ? [...opts.prefix.slice(1), process.execPath, BIN, ...args] : [BIN, ...args];
  return spawn(cmd, argv, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function collect(child: ChildProcess, timeoutMs = 240_000): Promise<RunResult> {
  return new Promise((ok, fail) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stdout, stderr });
    });
  });
}

export function icm(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; prefix?: string[]; timeoutMs?: number },
): Promise<RunResult> {
  return collect(startIcm(args, opts), opts.timeoutMs);
}

export function show(r: RunResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

export const sha256 = (b: Buffer | Uint8Array): string => createHash('sha256').update(b).digest('hex');
export const sha256File = async (p: string): Promise<string> => sha256(await fsp.readFile(p));

/** Every file under `root` (relative path → sha256). */
export async function hashTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) out.set(relative(root, abs), await sha256File(abs));
    }
  };
  await walk(root);
  return out;
}

/** Names anywhere under `root` that look like a temp or partial file of ours. */
export async function leftovers(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (/\.tmp-|\.part/.test(e.name)) out.push(relative(root, abs));
    }
  };
  await walk(root);
  return out.sort();
}

export function hasStrace(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
