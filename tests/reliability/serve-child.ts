// A serve-mode process for the kill -9 test: the same service and HTTP bridge as `icm serve`
// (src/server/serve-command.ts), minus the renderer build (a test has no use for the UI bundle,
// and building it would cost a minute per start). Usage: serve-child.ts ROOT STATE_DIR
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { PathPolicy } from '../../src/service/paths';
import { ShootService } from '../../src/service/shoot-service';
import { startServer } from '../../src/server/http-server';

const [root, stateArg] = process.argv.slice(2);
const stateDir = resolve(stateArg);
const uploadDir = join(stateDir, 'uploads');
const staticDir = join(stateDir, 'static');
await fsp.mkdir(staticDir, { recursive: true });
const paths = new PathPolicy([resolve(root)]);
paths.allow(uploadDir);
paths.allow(stateDir);
const service = new ShootService({
  stateDir,
  appVersion: '0.0.0-test',
  paths,
  nativeDialogs: false,
  uploads: true,
  autosaveMs: 0,
  threads: 2,
});
void service.start();
const server = await startServer({ service, staticDir, uploadDir });
process.stdout.write(`ICM_SERVE_URL=${server.launchUrl}\n`);
