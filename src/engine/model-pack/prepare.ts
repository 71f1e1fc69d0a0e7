// Assemble model packs ahead of time (postinstall / first run). Never throws and never exits
// non-zero: a missing data package or a read-only install must not break `npm install`; the app
// will try again (and report properly) when it loads the pack.
//
// As a script:  tsx src/engine/model-pack/prepare.ts [pack ...] [--quiet]

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssembleProgress } from './assemble';

export interface PrepareOptions {
  /** Pack ids / aliases / folders. Default ['isnet-medium']. */
  packs?: string[];
  /** Suppress progress and success lines (problems are still printed as one-line notes). */
  quiet?: boolean;
  /** Output sink (default: console.log). */
  log?: (line: string) => void;
  /** Data package folder override (tests). */
  dataPackageDir?: string;
  /** The folder pack ids are looked up in (resolvePackDir; the CLI passes ICM_MODELS_DIR). */
  modelsDir?: string;
}

export interface PrepareResult {
  pack: string;
  ok: boolean;
  /** 'stamp' | 'hashed' | 'assembled' when ok. */
  action?: string;
  /** ModelPackError code (or 'ERROR') when not ok. */
  code?: string;
  message: string;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export async function prepareModels(opts: PrepareOptions = {}): Promise<PrepareResult[]> {
  const packs = opts.packs && opts.packs.length ? opts.packs : ['isnet-medium'];
  const log = opts.log ?? ((l: string) => console.log(l));
  const results: PrepareResult[] = [];
  for (const pack of packs) {
    try {
      // Imported lazily so that even a broken install (e.g. onnxruntime-node missing) cannot throw here.
      const { resolvePackDir, readManifest } = await import('./load');
      const { assembleModel, displayPath } = await import('./assemble');
      const dir = resolvePackDir(pack, opts.modelsDir);
      const { manifest } = await readManifest(dir);
      let lastPct = -1;
      const onProgress = opts.quiet
        ? undefined
        : (p: AssembleProgress) => {
            const pct = Math.floor((p.bytesDone / p.bytesTotal) * 4) * 25;
            if (pct !== lastPct && pct < 100) {
              lastPct = pct;
              log(`icm: ${p.phase === 'verify' ? 'verifying' : 'assembling'} ${manifest.id} model… ${pct}%`);
            }
          };
      const r = await assembleModel(dir, manifest, { onProgress, dataPackageDir: opts.dataPackageDir });
      const msg =
        r.action === 'assembled'
          ? `icm: assembled ${manifest.id} model (${mb(r.bytes)}) → ${displayPath(r.path)} in ${(r.ms / 1000).toFixed(1)} s`
          : `icm: ${manifest.id} model ready (${displayPath(r.path)})`;
      if (!opts.quiet) log(msg);
      results.push({ pack, ok: true, action: r.action, message: msg });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const msg = `icm: note: model pack "${pack}" not prepared: ${(e as Error)?.message ?? String(e)}`.replace(/\s*\r?\n\s*/g, ' ');
      log(msg);
      results.push({ pack, ok: false, code: typeof code === 'string' ? code : 'ERROR', message: msg });
    }
  }
  return results;
}

// Script entry.
const isMain = (() => {
  try {
    return !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();
if (isMain) {
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet') || args.includes('-q');
  const packs = args.filter((a) => !a.startsWith('-'));
  prepareModels({ packs, quiet })
    .catch((e) => console.log(`icm: note: model preparation skipped: ${(e as Error)?.message ?? String(e)}`))
    .finally(() => {
      process.exitCode = 0;
    });
}
