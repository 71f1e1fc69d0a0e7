// Security of the serve-mode HTTP bridge (src/server/http-server.ts), against a real ShootService
// that is constructed but never started: the calls used here (getStatus, listPhotos, importPaths)
// need no model, so no engine host is launched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PathPolicy } from '../../src/service/paths';
import { ShootService } from '../../src/service/shoot-service';
import { startServer, type RunningServer } from '../../src/server/http-server';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const INDEX_HTML = '<!doctype html><title>icm test</title><div id="root"></div>';
const SECRET = 'top secret, outside the static folder';

let tmp: string;
let root: string;
let staticDir: string;
let uploadDir: string;
let service: ShootService;
let server: RunningServer;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (node:http, so the Host header and the path are sent exactly as given). */
function http(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer; host?: string } = {},
): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method, path, headers: { host: opts.host ?? `127.0.0.1:${server.port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(opts.body);
  });
}

const api = (method: string, args: unknown[] = [], headers: Record<string, string> = { 'x-icm-token': server.token }) =>
  http('POST', `/api/${method}`, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) });

/** Opens the event stream and returns the status line, headers and the first event (then hangs up). */
function firstEvent(path: string): Promise<{ status: number; contentType?: string; event?: unknown; body?: string }> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method: 'GET', path, headers: { host: `127.0.0.1:${server.port}` } },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          const end = buf.indexOf('\n\n');
          if (res.headers['content-type']?.startsWith('text/event-stream') && end >= 0) {
            const line = buf.slice(0, end);
            req.destroy();
            ok({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], event: JSON.parse(line.replace(/^data: /, '')) });
          }
        });
        res.on('end', () => ok({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: buf }));
      },
    );
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : fail(e)));
    req.setTimeout(10_000, () => fail(new Error('no event within 10 s')));
    req.end();
  });
}

before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-http-')));
  root = join(tmp, 'root');
  staticDir = join(tmp, 'static');
  uploadDir = join(tmp, 'state', 'uploads');
  await fsp.mkdir(join(root, 'shoot'), { recursive: true });
  await fsp.mkdir(join(staticDir, 'assets'), { recursive: true });
  await fsp.mkdir(join(tmp, 'static-evil'), { recursive: true });
  await fsp.writeFile(join(staticDir, 'index.html'), INDEX_HTML);
  await fsp.writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1);');
  await fsp.writeFile(join(tmp, 'secret.txt'), SECRET);
  await fsp.writeFile(join(tmp, 'static-evil', 'x.js'), SECRET);
  await fsp.copyFile(join(FIXTURES, 'target-1.jpg'), join(root, 'shoot', 'target-1.jpg'));
  await fsp.copyFile(join(FIXTURES, 'ref.jpg'), join(tmp, 'outside.jpg'));
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
  server = await startServer({ service, staticDir, uploadDir, maxUploadBytes: 5 * 1024 * 1024 });
});

after(async () => {
  await server?.close();
  await service?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('HTTP bridge: binding and Host', () => {
  it('listens on 127.0.0.1 only', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    assert.ok(server.launchUrl.startsWith(`${server.url}/?token=`));
    assert.ok(server.token.length >= 24, 'a long random token');
    // Any non-loopback address of this machine must refuse the connection.
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const addr of external) {
      const err = await new Promise<NodeJS.ErrnoException | null>((ok) => {
        const s = connect({ host: addr, port: server.port });
        s.once('connect', () => {
          s.destroy();
          ok(null);
        });
        s.once('error', (e) => ok(e));
      });
      assert.ok(err, `the server accepted a connection on ${addr}`);
      assert.equal(err.code, 'ECONNREFUSED');
    }
  });

  it('a foreign Host header (DNS rebinding) is refused with 403 on every route', async () => {
    for (const host of [
      `evil.example:${server.port}`,
      'evil.example',
      `127.0.0.1:${server.port + 1}`,
      `127.0.0.1.evil.example:${server.port}`,
    ]) {
      const r = await api('getStatus');
      assert.equal(r.status, 200, 'sanity: the right host works');
      const bad = await http('POST', '/api/getStatus', { host, headers: { 'x-icm-token': server.token }, body: '[]' });
      assert.equal(bad.status, 403, host);
      assert.match(bad.body, /bad Host header/);
      assert.doesNotMatch(bad.body, /contractVersion/);
      assert.equal((await http('GET', '/', { host })).status, 403, `static ${host}`);
      assert.equal((await http('GET', `/api/events?token=${server.token}`, { host })).status, 403, `events ${host}`);
    }
    const local = await http('POST', '/api/getStatus', {
      host: `localhost:${server.port}`,
      headers: { 'x-icm-token': server.token },
      body: '[]',
    });
    assert.equal(local.status, 200, 'localhost:<port> is the same server');
  });
});

describe('HTTP bridge: token', () => {
  it('API calls need the right token in x-icm-token', async () => {
    const none = await api('getStatus', [], {});
    assert.equal(none.status, 401);
    assert.match(none.body, /missing or wrong token/);
    const wrong = await api('getStatus', [], { 'x-icm-token': server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A') });
    assert.equal(wrong.status, 401);
    const short = await api('getStatus', [], { 'x-icm-token': 'x' });
    assert.equal(short.status, 401);
    const inQuery = await http('POST', `/api/getStatus?token=${server.token}`, { body: '[]' });
    assert.equal(inQuery.status, 401, 'the query token is for events and images only');
    const ok = await api('getStatus');
    assert.equal(ok.status, 200);
    const status = JSON.parse(ok.body).result;
    assert.equal(status.contractVersion, 1);
    assert.equal(status.engine, 'loading', 'the service was never started');
    assert.equal(status.uploads, true);
    assert.equal(ok.headers['cache-control'], 'no-store');
  });

  it('a call without the token does nothing (importPaths is not run)', async () => {
    const r = await api('importPaths', [[join(root, 'shoot')]], {});
    assert.equal(r.status, 401);
    assert.deepEqual(await service.listPhotos(), []);
  });

  it('the event stream needs ?token=', async () => {
    const none = await firstEvent('/api/events');
    assert.equal(none.status, 401);
    assert.ok(!none.contentType?.startsWith('text/event-stream'));
    const wrong = await firstEvent('/api/events?token=nope');
    assert.equal(wrong.status, 401);
    const ok = await firstEvent(`/api/events?token=${encodeURIComponent(server.token)}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.contentType, 'text/event-stream');
    assert.equal((ok.event as { type: string }).type, 'status');
  });

  it('images need ?token=', async () => {
    const none = await http('GET', '/asset/thumb/abc?v=1');
    assert.equal(none.status, 401);
    const wrong = await http('GET', `/asset/thumb/abc?v=1&token=${server.token}x`);
    assert.equal(wrong.status, 401);
    const unknown = await http('GET', `/asset/thumb/abc?v=1&token=${server.token}`);
    assert.equal(unknown.status, 404, 'right token, no such photo');
    assert.match(JSON.parse(unknown.body).error.message, /no photo with id/);
    const kind = await http('GET', `/asset/secret/abc?v=1&token=${server.token}`);
    assert.equal(kind.status, 404);
  });
});

describe('HTTP bridge: methods', () => {
  it('only contract methods can be called, only by POST, with a JSON list of arguments', async () => {
    for (const m of ['nope', 'close', 'start', 'getAsset', 'constructor', '__proto__', 'on']) {
      const r = await api(m);
      assert.equal(r.status, 404, m);
      assert.match(JSON.parse(r.body).error.message, /no API method/);
    }
    assert.equal((await http('GET', '/api/getStatus', { headers: { 'x-icm-token': server.token } })).status, 405);
    const notList = await http('POST', '/api/listPhotos', { headers: { 'x-icm-token': server.token }, body: '{"a":1}' });
    assert.equal(notList.status, 400);
    const notJson = await http('POST', '/api/listPhotos', { headers: { 'x-icm-token': server.token }, body: '[1,' });
    assert.equal(notJson.status, 400);
    // pickPaths has no native dialog behind it in serve mode
    const pick = await api('pickPaths', ['images']);
    assert.equal(pick.status, 200);
    assert.equal(JSON.parse(pick.body).result, null);
  });

  it('argument errors come back as 400 with the field named; unknown ids as 404', async () => {
    const r = await api('importPaths', ['not-a-list']);
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.body).error, { code: 'invalid-argument', message: 'paths: must be a list' });
    const nf = await api('previewTarget', ['no-such-id']);
    assert.equal(nf.status, 404);
    assert.equal(JSON.parse(nf.body).error.code, 'not-found');
  });

  it('importPaths only reaches inside the allowed roots', async () => {
    const r = await api('importPaths', [[join(tmp, 'outside.jpg'), join(root, '..', 'secret.txt')]]);
    assert.equal(r.status, 200);
    const summary = JSON.parse(r.body).result;
    assert.equal(summary.added, 0);
    assert.equal(summary.failed.length, 2);
    for (const f of summary.failed) assert.match(f.reason, /outside the folders/);
    assert.deepEqual(await service.listPhotos(), []);
  });
});

describe('HTTP bridge: static files', () => {
  it('index.html is served with a strict CSP and no referrer', async () => {
    for (const path of ['/', '/index.html']) {
      const r = await http('GET', path);
      assert.equal(r.status, 200);
      assert.equal(r.body, INDEX_HTML);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-eval/);
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    const js = await http('GET', '/assets/app.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(js.headers['referrer-policy'], 'no-referrer');
  });

  it('path traversal out of the static folder is 404', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..%2fstatic-evil%2fx.js',
      `/${encodeURIComponent(join(tmp, 'secret.txt'))}`,
      '/../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/index.html%00.js',
    ]) {
      const r = await http('GET', path);
      assert.equal(r.status, 404, `${path} → ${r.status}`);
      assert.ok(!r.body.includes(SECRET), path);
    }
  });

  it('other methods than GET/HEAD on static paths are refused', async () => {
    assert.equal((await http('PUT', '/index.html', { body: 'x' })).status, 405);
    assert.equal((await http('DELETE', '/index.html')).status, 405);
    assert.equal(await fsp.readFile(join(staticDir, 'index.html'), 'utf8'), INDEX_HTML);
  });
});

describe('HTTP bridge: uploads', () => {
  const upload = (name: string, body: Buffer, headers: Record<string, string> = { 'x-icm-token': server.token }) =>
    http('POST', `/api/upload?name=${encodeURIComponent(name)}`, {
      headers: { 'content-type': 'application/octet-stream', ...headers },
      body,
    });

  it('needs the token', async () => {
    const r = await upload('a.jpg', Buffer.from('x'), {});
    assert.equal(r.status, 401);
    assert.deepEqual(await fsp.readdir(uploadDir), []);
  });

  it('rejects names that are not images, dot files and empty names', async () => {
    for (const name of ['evil.sh', 'x.jpg.exe', 'noext', '.jpg', '', '../../x.html']) {
      const r = await upload(name, Buffer.from('x'));
      assert.equal(r.status, 400, name);
      assert.match(JSON.parse(r.body).error.message, /not a supported image type/);
    }
    assert.deepEqual(await fsp.readdir(uploadDir), []);
  });

  it('rejects an upload over the size limit and leaves no partial file', async () => {
    const r = await upload('big.jpg', Buffer.alloc(5 * 1024 * 1024 + 10));
    assert.equal(r.status, 413);
    assert.deepEqual(await fsp.readdir(uploadDir), []);
  });

  it('stores a valid upload in the upload folder under a sanitised, unique name, and it imports', async () => {
    const bytes = await fsp.readFile(join(FIXTURES, 'target-1.jpg'));
    const r1 = await upload('../../my photo<1>.jpg', bytes);
    assert.equal(r1.status, 200, r1.body);
    const p1 = JSON.parse(r1.body).result as string;
    assert.equal(p1, join(uploadDir, 'my photo_1_.jpg'));
    const r2 = await upload('my photo<1>.jpg', bytes);
    assert.equal(r2.status, 200);
    const p2 = JSON.parse(r2.body).result as string;
    assert.equal(p2, join(uploadDir, 'my photo_1_-2.jpg'), 'a second upload with the same name does not replace the first');
    assert.deepEqual((await fsp.readdir(uploadDir)).sort(), ['my photo_1_-2.jpg', 'my photo_1_.jpg'], 'no .part files left');
    assert.deepEqual(await fsp.readFile(p1), bytes);
    assert.ok(!(await fsp.stat(join(tmp, 'my photo_1_.jpg')).catch(() => null)), 'nothing written outside the upload folder');

    const imp = await api('importPaths', [[p1]]);
    assert.equal(imp.status, 200, imp.body);
    assert.deepEqual(JSON.parse(imp.body).result, { added: 1, skippedDuplicates: 0, failed: [] });
    const list = JSON.parse((await api('listPhotos')).body).result;
    assert.equal(list.length, 1);
    assert.equal(list[0].path, p1);
    assert.deepEqual([list[0].width, list[0].height], [400, 300]);
    // and its thumbnail is served with the token
    const thumb = await http('GET', `/asset/thumb/${encodeURIComponent(list[0].id)}?v=${list[0].version}&token=${server.token}`);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers['content-type'], 'image/jpeg');
    assert.equal((await http('GET', `/asset/thumb/${encodeURIComponent(list[0].id)}?v=${list[0].version}`)).status, 401);
  });
});
