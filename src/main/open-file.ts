// A project the system hands the app: a double-clicked .icmproj (file association) arrives on the
// command line at first launch and in `second-instance` (Windows, Linux), or as macOS `open-file`.
// Pure helpers here; src/main/index.ts wires them to Electron and opens the project in the service.
import { isAbsolute, resolve } from 'node:path';

export const PROJECT_EXTENSION = '.icmproj';

/**
 * The project file named on a command line, or null. argv is process.argv (or `second-instance`'s
 * argv): argv[0] is the executable; Electron's and Chromium's switches (`--…`, macOS `-psn_…`), the
 * app folder of an unpackaged run (`electron .`) and any file that is not a project are skipped.
 * A relative path is taken from `cwd` (the launching instance's working folder).
 */
export function projectPathFromArgv(argv: readonly string[], cwd: string): string | null {
  for (const arg of argv.slice(1)) {
    if (!arg || arg.startsWith('-')) continue;
    if (!arg.toLowerCase().endsWith(PROJECT_EXTENSION)) continue;
    return isAbsolute(arg) ? resolve(arg) : resolve(cwd, arg);
  }
  return null;
}

/**
 * Holds projects asked for before the app can open them (macOS sends `open-file` before `ready`)
 * and opens them in order once it can; only the last of several pending ones matters (each open
 * replaces the shoot), so only that one is kept.
 */
export class ProjectOpener {
  private pending: string | null = null;
  private open: ((path: string) => Promise<void>) | null = null;
  private chain: Promise<void> = Promise.resolve();

  request(path: string): void {
    if (this.open) this.run(path);
    else this.pending = path;
  }

  /** From now on requests open at once; a pending one opens now. */
  ready(open: (path: string) => Promise<void>): void {
    this.open = open;
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      this.run(p);
    }
  }

  /** Resolves when the opens asked for so far have finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  private run(path: string): void {
    const open = this.open!;
    this.chain = this.chain.then(() => open(path)).catch(() => undefined);
  }
}
