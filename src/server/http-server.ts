// Serve mode: the same service and renderer over HTTP, for a browser on this machine (and for the
// browser e2e tests). Security model: binds loopback only; a random per-launch token is required on
// every API call (header), event stream and image (query, since <img> cannot send headers); the
// Host header must be the loopback address we bound (defeats DNS rebinding); responses carry a
// strict CSP and no referrer (the token never leaks through Referer).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isAssetKind, type ServiceEvent } from '../shared/contract';
import { dispatcher, handlersOf, isApiMethod } from '../shared/rpc';
import { IMAGE_TYPES_TEXT, type ApiErrorCode } from '../shared/vocabulary';
import { sweepStaleTemps, tempNameFor } from '../engine/io/images';
import { isImagePath } from '../service/paths';
import { toApiError, type ShootService } from '../service/shoot-service';

export interface ServeOptions {
  service: ShootService;
  /** Built renderer (index.html + assets). */
  staticDir: string;
  /** Where browser uploads are stored (must be an allowed root of the service's PathPolicy). */
  uploadDir: string;
  port?: number;
  token?: string;
  /** Upload size limit per file (bytes). */
  maxUploadBytes?: number;
}

export interface RunningServer {
  url: string;
  /** The URL to open: includes the token. */
  launchUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const maxUpload = opts.maxUploadBytes ?? 1024 ** 3;
  const staticRoot = resolve(opts.staticDir);
  await fsp.mkdir(opts.uploadDir, { recursive: true });
  await sweepStaleTemps(opts.uploadDir); // partial uploads of a server that was killed
  const clients = new Set<ServerResponse>();
  let port = 0;
  // pickPaths has no meaning without native dialogs: it answers null (the UI asks for a path).
  const dispatch = dispatcher(handlersOf(opts.service, { pickPaths: async () => null }), toApiError);

  const tokenOk = (t: string | null | undefined): boolean => {
    if (!t) return false;
    const b = Buffer.from(t);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(json);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    const host = req.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) {
      send(res, 403, { error: { code: 'invalid-argument', message: 'bad Host header' } });
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    const path = url.pathname;
    // A malformed escape (GET /%) is the client's error, not a server failure.
    const decode = (s: string): string | null => {
      try {
        return decodeURIComponent(s);
      } catch {
        return null;
      }
    };
    if (decode(path) === null)
      return send(res, 400, { error: { code: 'invalid-argument', message: 'malformed percent-encoding in the URL' } });

    if (path.startsWith('/api/')) {
      const name = path.slice(5);
      if (name === 'events' && req.method === 'GET') {
        if (!tokenOk(url.searchParams.get('token')))
          return send(res, 401, { error: { code: 'invalid-argument', message: 'missing or wrong token' } });
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(`data: ${JSON.stringify({ type: 'status', status: await opts.service.getStatus() } satisfies ServiceEvent)}\n\n`);
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (req.method !== 'POST') return send(res, 405, { error: { code: 'invalid-argument', message: 'POST only' } });
      if (!tokenOk(req.headers['x-icm-token'] as string | undefined))
        return send(res, 401, { error: { code: 'invalid-argument', message: 'missing or wrong token' } });
      if (name === 'upload') return upload(req, res, url);
      if (!isApiMethod(name)) return send(res, 404, { error: { code: 'not-found', message: `no API method ${name}` } });
      let args: unknown;
      try {
        args = JSON.parse((await readBody(req, 16 * 1024 * 1024)).toString('utf8') || '[]');
      } catch (e) {
        return send(res, 400, { error: { code: 'invalid-argument', message: `request body: ${(e as Error).message}` } });
      }
      // The contract's dispatcher (src/shared/rpc.ts), as in the Electron main process.
      const answer = await dispatch(name, args);
      if (answer.ok) return send(res, 200, { result: answer.result });
      return send(res, statusOf(answer.error.code), { error: answer.error });
    }

    if (path.startsWith('/asset/') && req.method === 'GET') {
      if (!tokenOk(url.searchParams.get('token')))
        return send(res, 401, { error: { code: 'invalid-argument', message: 'missing or wrong token' } });
      const [, , kind, rawId] = path.split('/');
      if (!kind || !isAssetKind(kind)) return send(res, 404, { error: { code: 'not-found', message: 'unknown asset' } });
      try {
        const asset = await opts.service.getAsset(kind, decode(rawId ?? '') ?? '', url.searchParams);
        // URLs carry the photo's version, so a given URL's bytes never change.
        res.writeHead(200, {
          'content-type': asset.contentType,
          'cache-control': 'private, max-age=31536000, immutable',
          'content-length': asset.body.length,
        });
        res.end(asset.body);
      } catch (e) {
        const err = toApiError(e);
        send(res, err.code === 'not-found' ? 404 : 422, { error: err });
      }
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, { error: { code: 'invalid-argument', message: 'method not allowed' } });
    // Static renderer files (not secret: the token guards the API, events and images).
    const rel = path === '/' ? 'index.html' : (decode(path.slice(1)) ?? '');
    const file = normalize(join(staticRoot, rel));
    if (!file.startsWith(staticRoot + sep)) return send(res, 404, { error: { code: 'not-found', message: 'not found' } });
    try {
      const body = await fsp.readFile(file);
      const type = MIME[extname(file)] ?? 'application/octet-stream';
      const headers: Record<string, string | number> = { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-cache' };
      if (type.startsWith('text/html')) headers['content-security-policy'] = CSP;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      send(res, 404, {
        error: { code: 'not-found', message: `${rel} not found${rel === 'index.html' ? ' (build the renderer: npm run build:web)' : ''}` },
      });
    }
  };

  /** One file per request, streamed to the upload folder under a unique, sanitised name. */
  const upload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const name = basename(url.searchParams.get('name') ?? '').replace(/[^\w.\- ()]/g, '_');
    if (!name || name.startsWith('.') || !isImagePath(name)) {
      req.resume();
      return send(res, 400, {
        error: {
          code: 'invalid-argument',
          message: `"${url.searchParams.get('name') ?? ''}": not a supported image type; use ${IMAGE_TYPES_TEXT}`,
        },
      });
    }
    const tooLarge = { error: { code: 'invalid-argument', message: `${name} is larger than the upload limit of ${maxUpload} bytes` } };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxUpload) {
      // The answer goes out once the body is read (discarded): a client still sending when the
      // socket closes sees a connection reset instead of the 413.
      await drain(req);
      return send(res, 413, tooLarge);
    }
    const stem = name.slice(0, name.length - extname(name).length);
    let target = join(opts.uploadDir, name);
    for (let i = 2; await fsp.stat(target).catch(() => null); i++) target = join(opts.uploadDir, `${stem}-${i}${extname(name)}`);
    // A recognisable temp name (TEMP_NAME): the upload folder is swept of those at start.
    const tmp = tempNameFor(target, 'part');
    let received = 0;
    let over = false;
    try {
      const file = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(
        req,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const c of source) {
            received += c.length;
            if (received > maxUpload) over = true;
            if (!over) yield c; // past the limit: read on, write nothing
          }
        },
        file,
      );
      if (over) throw new Error('too large');
      await fsp.rename(tmp, target);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      if (over) return send(res, 413, tooLarge);
      return send(res, 400, { error: { code: 'io', message: `upload of ${name} failed: ${(e as Error).message}` } });
    }
    send(res, 200, { result: target });
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, { error: toApiError(e) });
      else res.end();
    });
  });
  const unsubscribe = opts.service.on((e) => {
    const line = `data: ${JSON.stringify(e)}\n\n`;
    for (const c of clients) c.write(line);
  });
  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, HOST, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const base = `http://${HOST}:${port}`;
  return {
    url: base,
    launchUrl: `${base}/?token=${token}`,
    token,
    port,
    async close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const c of clients) c.end();
      clients.clear();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
    },
  };
}

/** HTTP status of an error answer. */
export function statusOf(code: ApiErrorCode): number {
  return code === 'internal' ? 500 : code === 'not-found' ? 404 : 400;
}

/** Reads and discards the rest of a request body. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((ok) => {
    req.on('end', ok);
    req.on('error', () => ok());
    req.on('close', () => ok());
    req.resume();
  });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        fail(new Error(`larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}
