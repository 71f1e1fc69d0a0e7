// The ffmpeg binary that decodes and encodes clips, and how it is run. It ships inside an npm
// package (@ffmpeg-installer/<platform>-<arch>, pulled in by @ffmpeg-installer/ffmpeg), so nothing
// is downloaded at install or run time; a host may point at another build (from its own setting)
// and passes that path here, with the search path for a bare name. Every run is a child process with its stderr kept for the error message and
// killed on cancel.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants as fsConstants, statSync } from 'node:fs';
import path from 'node:path';
import { locatePackage } from '../model-pack/assemble';
import { oneLine, printable } from '../io/errors';
import { abortReason, FfmpegMissingError } from './errors';

/** The npm package that holds this platform's ffmpeg binary. */
export const FFMPEG_PACKAGE = `@ffmpeg-installer/${process.platform}-${process.arch}`;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Inside a packaged Electron app a binary cannot run from app.asar; electron-builder unpacks it beside it. */
function outsideAsar(file: string): string {
  const asar = `${path.sep}app.asar${path.sep}`;
  return file.includes(asar) ? file.replace(asar, `${path.sep}app.asar.unpacked${path.sep}`) : file;
}

/** `name` in the first folder of `searchPath` (PATH's format) that holds it as an executable. */
function onPath(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

export interface LocateFfmpegOptions {
  /** Where the override came from, for the error (e.g. the host's ICM_FFMPEG); default "the ffmpeg option". */
  from?: string;
  /** Folders a bare-name override is looked up in, in PATH's format (a host passes its PATH); without it a bare name is refused. */
  searchPath?: string;
}

/**
 * The ffmpeg binary to run. `override` (a path, or a bare name looked up in opts.searchPath) wins
 * when given. Otherwise the binary of FFMPEG_PACKAGE. Throws FfmpegMissingError, one line saying
 * what to do, when neither works.
 */
export function locateFfmpeg(override?: string, opts: LocateFfmpegOptions = {}): string {
  const from = opts.from ?? 'the ffmpeg option';
  if (override !== undefined && override.trim() !== '') {
    const wanted = override.trim();
    const bare = !wanted.includes('/') && !wanted.includes(path.sep);
    if (bare && opts.searchPath === undefined)
      throw new FfmpegMissingError(
        `ffmpeg "${printable(wanted)}" (from ${from}) is a bare name and no search path was given; give its path`,
      );
    const found = bare ? onPath(wanted, opts.searchPath ?? '') : path.resolve(wanted);
    if (found && isExecutable(found)) return found;
    const exists = found !== null && statSync(found, { throwIfNoEntry: false }) !== undefined;
    throw new FfmpegMissingError(
      `ffmpeg "${printable(wanted)}" (from ${from}) ${exists ? 'is not an executable file' : 'was not found'}; leave ${from} out to use the bundled one`,
    );
  }
  const dir = locatePackage(FFMPEG_PACKAGE);
  if (!dir) {
    throw new FfmpegMissingError(
      `no ffmpeg for reading and writing clips: the package ${FFMPEG_PACKAGE} is not installed (run npm install; on a platform it does not cover, give an ffmpeg binary in ${from})`,
    );
  }
  const bin = outsideAsar(path.join(dir, process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg'));
  if (isExecutable(bin)) return bin;
  // The package's own postinstall (chmod u+x) is blocked by npm's install-script policy; the
  // tarball has the bit already, but a copy that lost it can be repaired once.
  try {
    chmodSync(bin, 0o755);
  } catch {
    // reported below
  }
  if (isExecutable(bin)) return bin;
  throw new FfmpegMissingError(`the bundled ffmpeg "${printable(bin)}" is missing or not executable (reinstall ${FFMPEG_PACKAGE})`);
}

/** How much of ffmpeg's stderr is kept for an error message. */
const STDERR_KEEP = 8192;

export interface FfmpegRun {
  child: ChildProcess;
  /** Resolves when ffmpeg exits 0; rejects with the signal's reason on cancel, or with an Error naming ffmpeg's last words. */
  done: Promise<void>;
  /** The end of what ffmpeg printed on stderr. */
  stderr(): string;
  /** Kills ffmpeg now (SIGKILL); harmless when it has exited. */
  kill(): void;
}

/** The last meaningful line ffmpeg printed (its error), for a one-line message. */
export function lastLine(stderr: string): string {
  const lines = stderr
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('frame='));
  return oneLine(lines.at(-1) ?? '');
}

/**
 * Runs ffmpeg with `args` (after `-hide_banner -nostdin` unless stdin is piped). stdout and stdin
 * are pipes when asked for; an abort of `signal` kills it at once.
 */
export function runFfmpeg(bin: string, args: string[], opts: { signal?: AbortSignal; stdin?: boolean; stdout?: boolean } = {}): FfmpegRun {
  const { signal } = opts;
  const head = opts.stdin ? ['-hide_banner'] : ['-hide_banner', '-nostdin'];
  const child = spawn(bin, [...head, ...args], {
    stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
    windowsHide: true,
  });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    tail = (tail + s).slice(-STDERR_KEEP);
  });
  // A write to a dead ffmpeg's stdin (EPIPE) surfaces through `done`, not as an uncaught error.
  child.stdin?.on('error', () => undefined);
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Unread output would keep the pipe (and so 'close', and `done`) open after the kill.
    child.stdout?.destroy();
    child.stdin?.destroy();
  };
  const onAbort = () => kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) kill();
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new FfmpegMissingError(`cannot run ffmpeg "${printable(bin)}": ${err.message}`, { cause: err }));
    });
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(abortReason(signal));
      else if (code === 0) resolve();
      else reject(new Error(lastLine(tail) || `ffmpeg ${sig ? `was killed (${sig})` : `exited with code ${String(code)}`}`));
    });
  });
  // Callers that only kill (cancel, close) may never await `done`.
  done.catch(() => undefined);
  return { child, done, stderr: () => tail, kill };
}

const encoderCache = new Map<string, Promise<Set<string>>>();

/** The encoders this ffmpeg build has (e.g. libvpx-vp9, libwebp_anim, prores_ks), asked once per binary. */
export function ffmpegEncoders(bin: string): Promise<Set<string>> {
  let p = encoderCache.get(bin);
  if (!p) {
    p = (async () => {
      const run = runFfmpeg(bin, ['-encoders'], { stdout: true });
      let text = '';
      run.child.stdout!.setEncoding('utf8');
      run.child.stdout!.on('data', (s: string) => (text += s));
      await run.done;
      const names = new Set<string>();
      for (const m of text.matchAll(/^\s*[VAS][A-Z.]{5}\s+(\S+)/gm)) names.add(m[1]);
      return names;
    })();
    p.catch(() => encoderCache.delete(bin));
    encoderCache.set(bin, p);
  }
  return p;
}
