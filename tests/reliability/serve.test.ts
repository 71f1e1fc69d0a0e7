// Issue #12 against serve mode (the real HTTP bridge over a real ShootService; no model is needed
// for these calls, so no engine host starts): items 1 (symlinks in an imported folder), 2 (project
// files naming photos outside the roots), 4 (concurrent imports), 5 (partial uploads) and the serve
// side of 8 (GET /%, uploads over the limit, project versions, saved export defaults, the pixel
// budget at import).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PathPolicy } from '../../src/service/paths';
import { PROJECT_FORMAT, PROJECT_VERSION } from '../../src/service/project-file';
import { ShootService } from '../../src/service/shoot-service';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { FIXTURES } from './helpers';

let tmp: string;
let root: string;
let outside: string;
let uploadDir: string;
let service: ShootService;
let server: RunningServer;

interface Reply {
  status: number;
  body: string;
}

function http(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer | string; chunks?: Buffer[] } = {},
): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    if (opts.chunks) {
      const write = (i: number): void => {
        if (i >= opts.chunks!.length) return void req.end();
        if (req.write(opts.chunks![i])) write(i + 1);
        else req.once('drain', () => write(i + 1));
      };
      write(0);
    } else req.end(opts.body);
  });
}

const api = async (
  method: string,
  args: unknown[] = [],
): Promise<{ status: number; result?: unknown; error?: { code: string; message: string } }> => {
  const r = await http('POST', `/api/${method}`, {
    headers: { 'content-type': 'application/json', 'x-icm-token': server.token },
    body: JSON.stringify(args),
  });
  return { status: r.status, ...JSON.parse(r.body) };
};

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-rel-serve-')));
  root = join(tmp, 'root');
  outside = join(tmp, 'outside');
  uploadDir = join(tmp, 'state', 'uploads');
  await fsp.mkdir(join(root, 'shoot'), { recursive: true });
  await fsp.mkdir(join(root, 'twelve'), { recursive: true });
  await fsp.mkdir(outside, { recursive: true });
  await fsp.mkdir(uploadDir, { recursive: true });
  await fsp.copyFile(join(FIXTURES, 'target-1.jpg'), join(root, 'shoot', 'a.jpg'));
  await fsp.copyFile(join(FIXTURES, 'ref.jpg'), join(outside, 'secret.jpg'));
  await fsp.symlink(join(outside, 'secret.jpg'), join(root, 'shoot', 'link.jpg'));
  for (let i = 1; i <= 12; i++)
    await fsp.copyFile(join(FIXTURES, i % 2 ? 'target-1.jpg' : 'target-2.jpg'), join(root, 'twelve', `t${i}.jpg`));
  // a partial upload of a server that was killed
  await fsp.writeFile(join(uploadDir, '.big.jpg.part-999999-0123456789ab'), Buffer.alloc(1024));
  const paths = new PathPolicy([root]);
  paths.allow(uploadDir);
  service = new ShootService({
    stateDir: join(tmp, 'state'),
    appVersion: '0.0.0-test',
    paths,
    nativeDialogs: false,
    uploads: true,
    autosaveMs: 0,
  });
  server = await startServer({ service, staticDir: join(tmp, 'static'), uploadDir, maxUploadBytes: 1024 * 1024 });
});

after(async () => {
  await server?.close();
  await service?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('serve mode: one path policy at every entry point', () => {
  it('item 1: importing a folder does not follow a symlink out of the root', async () => {
    const r = await api('importPaths', [[join(root, 'shoot')]]);
    assert.equal(r.status, 200);
    const s = r.result as { added: number; failed: Array<{ path: string; reason: string }> };
    assert.equal(s.added, 1);
    assert.deepEqual(
      s.failed.map((f) => f.path),
      [join(root, 'shoot', 'link.jpg')],
    );
    assert.match(s.failed[0].reason, /outside the folders/);
    const photos = (await api('listPhotos')).result as Array<{ path: string }>;
    assert.deepEqual(
      photos.map((p) => p.path),
      [join(root, 'shoot', 'a.jpg')],
    );
  });

  it('item 2: a project naming a photo outside the roots is refused, naming the project, present or missing alike', async () => {
    const doc = (photo: string) =>
      JSON.stringify({ format: PROJECT_FORMAT, version: 1, photos: [{ path: join(root, 'shoot', 'a.jpg') }, { path: photo }] });
    await fsp.writeFile(join(root, 'present.icmproj'), doc('../outside/secret.jpg'));
    await fsp.writeFile(join(root, 'missing.icmproj'), doc('../outside/no-such-file.jpg'));
    const before = (await api('listPhotos')).result;
    const a = await api('openProject', [join(root, 'present.icmproj')]);
    const b = await api('openProject', [join(root, 'missing.icmproj')]);
    for (const [r, name] of [
      [a, 'present'],
      [b, 'missing'],
    ] as const) {
      assert.equal(r.status, 400, JSON.stringify(r));
      assert.match(r.error!.message, new RegExp(`cannot open project ".*${name}\\.icmproj": photos\\[1\\] ".*" is outside the folders`));
    }
    // the same answer whether the file exists: no oracle
    assert.equal(
      a.error!.message.replace('present', 'X').replace('secret', 'Y'),
      b.error!.message.replace('missing', 'X').replace('no-such-file', 'Y'),
    );
    assert.deepEqual((await api('listPhotos')).result, before, 'the shoot is untouched');
    // a project file outside the roots is refused by name
    await fsp.writeFile(join(outside, 'p.icmproj'), doc(join(root, 'shoot', 'a.jpg')));
    const c = await api('openProject', [join(outside, 'p.icmproj')]);
    assert.equal(c.status, 400);
    assert.match(c.error!.message, /p\.icmproj" is outside the folders/);
  });

  it('item 4: 200 concurrent imports of a 12-file folder give 12 photos', async () => {
    await api('newProject');
    const replies = await Promise.all(Array.from({ length: 200 }, () => api('importPaths', [[join(root, 'twelve')]])));
    const added = replies.reduce((n, r) => n + (r.result as { added: number }).added, 0);
    assert.equal(added, 12);
    const photos = (await api('listPhotos')).result as Array<{ path: string }>;
    assert.equal(photos.length, 12);
    assert.equal(new Set(photos.map((p) => p.path)).size, 12);
    // the same file by another path (a symlink inside the root) is the same photo
    await fsp.symlink(join(root, 'twelve', 't1.jpg'), join(root, 'alias-t1.jpg'));
    const again = await api('importPaths', [[join(root, 'alias-t1.jpg')]]);
    assert.deepEqual(
      [(again.result as { added: number }).added, (again.result as { skippedDuplicates: number }).skippedDuplicates],
      [0, 1],
    );
  });
});

describe('serve mode: the smaller items of 8, and partial uploads', () => {
  it('GET /% is 400, not 500', async () => {
    assert.equal((await http('GET', '/%')).status, 400);
    assert.equal((await http('GET', `/asset/thumb/%E0%A4%A?token=${server.token}`)).status, 400);
  });

  it("an upload over the limit gets 413 (declared length and chunked), no partial file; a killed upload's part file is swept at start", async () => {
    assert.deepEqual(await fsp.readdir(uploadDir), [], "the dead server's .part file is gone");
    const big = Buffer.alloc(48 * 1024 * 1024, 7);
    const headers = { 'x-icm-token': server.token, 'content-type': 'application/octet-stream' };
    const declared = await http('POST', '/api/upload?name=big.jpg', {
      headers: { ...headers, 'content-length': String(big.length) },
      body: big,
    });
    assert.equal(declared.status, 413, declared.body);
    assert.match(JSON.parse(declared.body).error.message, /larger than the upload limit/);
    const chunks = Array.from({ length: 48 }, () => Buffer.alloc(1024 * 1024, 7));
    const chunked = await http('POST', '/api/upload?name=big.jpg', { headers, chunks });
    assert.equal(chunked.status, 413, chunked.body);
    assert.deepEqual(await fsp.readdir(uploadDir), []);
  });

  it('project versions: "1", 0.5 and -1 are not valid (not "made by a newer version"); the next version is newer', async () => {
    for (const [version, msg] of [
      ['"1"', /not a valid project file/],
      ['0.5', /not a valid project file/],
      ['-1', /not a valid project file/],
      [String(PROJECT_VERSION + 1), /newer version/],
    ] as const) {
      const f = join(root, `v${version.replace(/\W/g, '_')}.icmproj`);
      await fsp.writeFile(f, `{"format":"${PROJECT_FORMAT}","version":${version},"photos":[]}`);
      const r = await api('openProject', [f]);
      assert.equal(r.status, 400, version);
      assert.match(r.error!.message, msg, version);
    }
  });

  it('saved export defaults are checked: format "exe" and outDir "/etc" do not reach the UI', async () => {
    const f = join(root, 'defaults.icmproj');
    await fsp.writeFile(
      f,
      JSON.stringify({
        format: PROJECT_FORMAT,
        version: 1,
        photos: [],
        settings: { exportDefaults: { format: 'exe', outDir: '/etc', nameTemplate: '../{name}', bitDepth: 16 } },
      }),
    );
    const r = await api('openProject', [f]);
    assert.equal(r.status, 200, JSON.stringify(r));
    const d = (r.result as { settings: { exportDefaults: Record<string, unknown> } }).settings.exportDefaults;
    assert.equal(d.format, 'alpha-png');
    assert.equal(d.outDir, undefined);
    assert.equal(d.nameTemplate, '{name}');
    assert.equal(d.bitDepth, 16, 'a valid field is kept');
    await fsp.writeFile(
      f,
      JSON.stringify({
        format: PROJECT_FORMAT,
        version: 1,
        photos: [],
        settings: { exportDefaults: { format: 'cutout-tiff', outDir: join(root, 'exports') } },
      }),
    );
    const ok = (await api('openProject', [f])).result as { settings: { exportDefaults: Record<string, unknown> } };
    assert.deepEqual([ok.settings.exportDefaults.format, ok.settings.exportDefaults.outDir], ['cutout-tiff', join(root, 'exports')]);
  });

  it('an image over the pixel budget is named as such at import (not "not a supported image or corrupt")', async () => {
    await sharp({ create: { width: 1000, height: 1000, channels: 3, background: '#808080' } })
      .png()
      .toFile(join(root, 'large.png'));
    // the budget is the service's setting (the hosts read ICM_MAX_MEGAPIXELS into it)
    const small = new ShootService({
      stateDir: join(tmp, 'state-small'),
      appVersion: '0.0.0-test',
      paths: new PathPolicy([root]),
      autosaveMs: 0,
      maxPixels: 0.5e6,
    });
    try {
      const s = await small.importPaths([join(root, 'large.png')]);
      assert.equal(s.added, 0);
      assert.match(s.failed[0].reason, /1000x1000 \(1 megapixels\), over the limit of 0\.50 megapixels/);
      assert.doesNotMatch(s.failed[0].reason, /not a readable image|corrupt/);
      // the shared service (default budget) takes the same photo
      const r = (await api('importPaths', [[join(root, 'large.png')]])).result as { added: number };
      assert.equal(r.added, 1);
    } finally {
      await small.close();
    }
  });
});
