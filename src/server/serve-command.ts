// `icm serve`: hosts the inference service and the renderer on 127.0.0.1 with a per-launch token,
// so the real UI runs in a browser against the real engine (also on a studio's GPU box, reached
// through an SSH tunnel). Prints one line `ICM_SERVE_URL=<url with token>` for scripts and tests.
import type { PackName, ProviderChoice } from '../shared/vocabulary';
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pixelBudgetOf } from '../engine/io/images';
import { PathPolicy } from '../service/paths';
import { RotatingLog } from '../service/rotating-log';
import { logServiceEvents } from '../service/service-log';
import { ShootService } from '../service/shoot-service';
import { startServer } from './http-server';

export interface ServeCommandOptions {
  port?: number;
  /** Folders the browser may import from / export to (default: the current folder). */
  roots: string[];
  stateDir?: string;
  pack?: PackName;
  provider?: ProviderChoice;
  threads?: number;
  /** Rebuild the renderer before serving (also done when it was never built). */
  build?: boolean;
  log?: (line: string) => void;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const RENDERER_DIR = join(repoRoot, 'out', 'renderer');

/**
 * Builds src/renderer → out/renderer with vite (vite.config.ts). vite is a dev dependency: it is
 * imported only here, so a production install (`npm install --omit=dev`) serves a UI built
 * beforehand and never loads it.
 */
export async function buildRenderer(): Promise<void> {
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error(
      `the UI is not built (${join(RENDERER_DIR, 'index.html')} is missing) and vite, a dev dependency, is not installed: build it with \`npm run build:web\` where the dev dependencies are, or install them (\`npm install\`)`,
    );
  }
  await vite.build({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });
}

export function defaultStateDir(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'in-context-matting');
}

export async function serve(o: ServeCommandOptions): Promise<{ close(): Promise<void>; launchUrl: string }> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const built = await fsp.stat(join(RENDERER_DIR, 'index.html')).catch(() => null);
  if (o.build || !built) {
    log('building the renderer (vite)…');
    await buildRenderer();
  }
  const stateDir = resolve(o.stateDir ?? defaultStateDir());
  const uploadDir = join(stateDir, 'uploads');
  const paths = new PathPolicy(o.roots.length ? o.roots : [process.cwd()]);
  paths.allow(uploadDir);
  paths.allow(stateDir);
  const { version } = JSON.parse(await fsp.readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  // The log a user attaches to a bug report (About shows where it is).
  const fileLog = new RotatingLog({ dir: join(stateDir, 'logs') });
  fileLog.info(`icm serve ${version} starting: Node ${process.version}, ${process.platform} ${process.arch}, state ${stateDir}`);
  const service = new ShootService({
    stateDir,
    appVersion: version,
    paths,
    pack: o.pack,
    provider: o.provider,
    threads: o.threads,
    nativeDialogs: false,
    uploads: true,
    maxPixels: pixelBudgetOf(process.env.ICM_MAX_MEGAPIXELS),
    resources: { modelsDir: process.env.ICM_MODELS_DIR, selectionModel: process.env.ICM_HEAD_MODEL },
    logFile: fileLog.file,
  });
  const stopLogging = logServiceEvents((l) => service.on(l), fileLog);
  void service.start();
  const server = await startServer({ service, staticDir: RENDERER_DIR, uploadDir, port: o.port });
  fileLog.info(`serving on ${server.url} (roots: ${(o.roots.length ? o.roots : [process.cwd()]).join(', ')})`);
  log(`ICM_SERVE_URL=${server.launchUrl}`);
  log(`serving on ${server.url} (loopback only); open the URL above, it carries this launch's token. Ctrl+C stops.`);
  return {
    launchUrl: server.launchUrl,
    async close() {
      await server.close();
      await service.close();
      stopLogging();
      fileLog.info('stopped');
      await fileLog.flush();
    },
  };
}
