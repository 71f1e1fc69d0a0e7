// How the renderer reaches the service: through the Electron preload (window.icm) in the desktop
// app, or through the token-protected HTTP bridge in serve mode. The UI only sees `Bridge`.
import {
  assetPath,
  zoomAssetPath,
  type ApiErrorShape,
  type AssetKind,
  type IcmApi,
  type ServiceEvent,
  type ZoomView,
} from '../../shared/contract';
import { ApiError, apiProxy, asErrorShape, type ApiResult } from '../../shared/rpc';
import type { DesktopBridge } from '../../preload/api';

export interface Bridge {
  api: IcmApi;
  /** Service events (photo state, job progress, status); returns an unsubscribe function. */
  subscribe(listener: (e: ServiceEvent) => void): () => void;
  assetUrl(kind: AssetKind, photoId: string, version: number): string;
  /** A full-resolution view of a target (Review at 100 %). */
  zoomUrl(photoId: string, version: number, view: ZoomView): string;
  /** Serve mode: sends a browser File to the service, which stores it and returns its path. */
  upload?(file: File): Promise<string>;
  /** Desktop: the file-system path of a dropped File (Electron webUtils). */
  pathOfDroppedFile?(file: File): string | null;
  mode: 'desktop' | 'web';
}

/** An error from the service, with its code and details (see ApiErrorShape). */
export { ApiError } from '../../shared/rpc';

declare global {
  interface Window {
    icmDesktop?: DesktopBridge;
  }
}

export function connect(): Bridge {
  if (window.icmDesktop) return desktopBridge(window.icmDesktop);
  return webBridge();
}

function desktopBridge(d: DesktopBridge): Bridge {
  return {
    mode: 'desktop',
    // The preload answers with data (ApiResult); the proxy turns an error answer into an ApiError.
    api: apiProxy((m, args) => (d.api[m] as (...a: unknown[]) => Promise<ApiResult>)(...args)),
    subscribe: (l) => d.onEvent(l),
    assetUrl: (kind, id, v) => `icm-asset://app${assetPath(kind, id, v)}`,
    zoomUrl: (id, v, view) => `icm-asset://app${zoomAssetPath(id, v, view)}`,
    pathOfDroppedFile: (f) => d.pathForFile(f),
  };
}

const TOKEN_KEY = 'icm-token';

/** Serve mode: the launch URL carries ?token=…; keep it for this tab and drop it from the address bar. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function webBridge(): Bridge {
  const token = takeToken();
  // HTTP POST /api/<method> with the arguments as a JSON list; the server answers { result } or { error }.
  const wire = async (method: string, args: unknown[]): Promise<ApiResult> => {
    const res = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-icm-token': token },
      body: JSON.stringify(args),
    });
    const body = (await res.json().catch(() => null)) as { result?: unknown; error?: unknown } | null;
    if (res.ok && body && !body.error) return { ok: true, result: body.result };
    return { ok: false, error: body?.error ? asErrorShape(body.error) : { code: 'internal', message: `${method}: HTTP ${res.status}` } };
  };
  const api = apiProxy(wire);

  const listeners = new Set<(e: ServiceEvent) => void>();
  let source: EventSource | null = null;
  const open = (): void => {
    source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data as string) as ServiceEvent;
      for (const l of listeners) l(e);
    };
  };
  return {
    mode: 'web',
    api,
    subscribe(l) {
      listeners.add(l);
      if (!source) open();
      return () => listeners.delete(l);
    },
    // Images are fetched by <img>/fabric, which cannot send headers: the token rides in the URL.
    assetUrl: (kind, id, v) => `${assetPath(kind, id, v)}&token=${encodeURIComponent(token)}`,
    zoomUrl: (id, v, view) => `${zoomAssetPath(id, v, view)}&token=${encodeURIComponent(token)}`,
    async upload(file) {
      const res = await fetch(`/api/upload?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'x-icm-token': token, 'content-type': 'application/octet-stream' },
        body: file,
      });
      const body = (await res.json().catch(() => null)) as { result?: string; error?: ApiErrorShape } | null;
      if (!res.ok || !body || typeof body.result !== 'string')
        throw new ApiError(body?.error?.code ?? 'io', body?.error?.message ?? `upload of ${file.name} failed (HTTP ${res.status})`);
      return body.result;
    },
  };
}
