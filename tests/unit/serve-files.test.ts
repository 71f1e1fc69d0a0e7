// Issue #15 item 9, serve mode files, against a real ShootService (never started: no model needed)
// on real files, directly and through the real HTTP bridge: the folder browser lists only inside
// the roots (no `..`, no symlink out), a refused path says how to allow it (`icm serve --root`),
// and saving a project into a folder that does not exist creates it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FolderListing } from '../../src/shared/contract';
import { PathPolicy } from '../../src/service/paths';
import { ShootService } from '../../src/service/shoot-service';
import { startServer, type RunningServer } from '../../src/server/http-server';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

let tmp: string;
let root: string;
let outside: string;
let service: ShootService;
let server: RunningServer;

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-serve-files-')));
  root = join(tmp, 'root');
  outside = join(tmp, 'outside');
  await fsp.mkdir(join(root, 'shoot', 'day 2'), { recursive: true });
  await fsp.mkdir(join(root, 'shoot', '.hidden'), { recursive: true });
  await fsp.mkdir(outside, { recursive: true });
  await fsp.copyFile(join(FIXTURES, 'ref.jpg'), join(root, 'shoot', 'ref.jpg'));
  await fsp.copyFile(join(FIXTURES, 'target-1.jpg'), join(root, 'shoot', 'target-1.jpg'));
  await fsp.writeFile(join(root, 'shoot', 'notes.txt'), 'not a photo');
  await fsp.copyFile(join(FIXTURES, 'target-2.jpg'), join(outside, 'secret.jpg'));
  await fsp.symlink(outside, join(root, 'shoot', 'escape'));
  await fsp.symlink(join(outside, 'secret.jpg'), join(root, 'shoot', 'leak.jpg'));
  await fsp.symlink(join(root, 'shoot', 'day 2'), join(root, 'shoot', 'alias'));
  const stateDir = join(tmp, 'state');
  service = new ShootService({ stateDir, appVersion: '0.0.0-test', autosaveMs: 0, paths: new PathPolicy([root]) });
  server = await startServer({ service, staticDir: FIXTURES, uploadDir: join(stateDir, 'uploads'), port: 0 });
});

after(async () => {
  await server?.close();
  await service?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

const refusedWithRootHint = (e: Error, folder: string) =>
  /outside the folders this server may use/.test(e.message) && e.message.includes(`icm serve --root ${folder}`);

describe('serve mode folder browser (listFolder)', () => {
  it('without a path: the roots', async () => {
    assert.deepEqual(await service.listFolder(), {
      path: null,
      parent: null,
      folders: [{ name: root, path: root }],
      images: [],
      truncated: false,
    });
  });

  it("a folder's subfolders and photos, in name order; hidden entries, other files and symlinks out of the roots left out", async () => {
    const l = await service.listFolder(join(root, 'shoot'));
    assert.equal(l.path, join(root, 'shoot'));
    assert.equal(l.parent, root);
    assert.deepEqual(
      l.folders.map((f) => f.name),
      ['alias', 'day 2'],
      'the symlink to a folder inside the roots is listed, the one leading out is not',
    );
    assert.deepEqual(
      l.images.map((f) => f.name),
      ['ref.jpg', 'target-1.jpg'],
    );
    assert.equal(l.images[0].path, join(root, 'shoot', 'ref.jpg'));
  });

  it('at a root, "up" leads to the list of roots, not above it', async () => {
    assert.equal((await service.listFolder(root)).parent, null);
  });

  it('refuses a folder outside the roots, by path, by `..` or through a symlink, saying how to allow it', async () => {
    await assert.rejects(service.listFolder(outside), (e: Error) => refusedWithRootHint(e, outside));
    await assert.rejects(service.listFolder(`${root}${sep}..${sep}outside`), (e: Error) => refusedWithRootHint(e, outside));
    await assert.rejects(service.listFolder(join(root, 'shoot', 'escape')), /outside the folders this server may use/);
    await assert.rejects(service.listFolder('relative/shoot'), /not an absolute path/);
    await assert.rejects(service.listFolder(join(root, 'shoot', 'ref.jpg')), /is a file, not a folder/);
    await assert.rejects(service.listFolder(join(root, 'nope')), /does not exist/);
  });

  it('through the HTTP bridge: the same answers, the token required', async () => {
    const call = (args: unknown[], token = server.token) =>
      fetch(`${server.url}/api/listFolder`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-icm-token': token },
        body: JSON.stringify(args),
      });
    const ok = await call([join(root, 'shoot')]);
    assert.equal(ok.status, 200);
    const listing = ((await ok.json()) as { result: FolderListing }).result;
    assert.deepEqual(
      listing.images.map((i) => i.name),
      ['ref.jpg', 'target-1.jpg'],
    );
    const refused = await call([outside]);
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid-argument');
    assert.ok(body.error.message.includes(`icm serve --root ${outside}`), body.error.message);
    assert.equal((await call([root], 'wrong')).status, 401);
  });
});

describe('serve mode paths elsewhere', () => {
  it('an import from outside the roots says how to allow it (--root)', async () => {
    const s = await service.importPaths([join(outside, 'secret.jpg'), join(root, 'shoot', 'leak.jpg')]);
    assert.equal(s.added, 0);
    assert.ok(s.failed[0].reason.includes(`icm serve --root ${outside}`), s.failed[0].reason);
    assert.match(s.failed[1].reason, /outside the folders this server may use/, 'a symlink out of the roots is refused');
  });

  it('a folder name with spaces is quoted in the hint', async () => {
    await assert.rejects(service.listFolder(join(tmp, 'my shoots')), (e: Error) =>
      e.message.includes(`--root "${join(tmp, 'my shoots')}"`),
    );
  });

  it('save project into a folder that does not exist creates it (as export does); outside the roots it is refused', async () => {
    assert.equal((await service.importPaths([join(root, 'shoot')])).added, 2);
    const target = join(root, 'projects', 'new', 'deeper', 'shoot.icmproj');
    const saved = await service.saveProject(target);
    assert.equal(saved.path, target);
    assert.ok((await fsp.stat(target)).isFile());
    await assert.rejects(service.saveProject(join(outside, 'p.icmproj')), (e: Error) => refusedWithRootHint(e, outside));
    assert.deepEqual(await fsp.readdir(outside), ['secret.jpg'], 'nothing written outside');
  });
});
