// How the renderer reaches the service: through the Electron preload (window.icm) in the desktop
// app, or through the token-protected HTTP bridge in serve mode. The UI only sees `Bridge`.
import { API_METHODS, assetPath, type ApiErrorShape, type AssetKind, type IcmApi, type ServiceEvent } from '../../shared/contract';
import type { DesktopBridge } from '../../preload/api';
import { API_ERROR_CODES } from '../../shared/vocabulary';

export interface Bridge {
  api: IcmApi;
  /** Service events (photo state, job progress, status); returns an unsubscribe function. */
  subscribe(listener: (e: ServiceEvent) => void): () => void;
  assetUrl(kind: AssetKind, photoId: string, version: number): string;
  /** Serve mode: sends a browser File to the service, which stores it and returns its path. */
  upload?(file: File): Promise<string>;
  /** Desktop: the file-system path of a dropped File (Electron webUtils). */
  pathOfDroppedFile?(file: File): string | null;
  mode: 'desktop' | 'web';
}

/** An error from the service, with its code (see ApiErrorShape). */
export class ApiError extends Error {
  constructor(readonly code: ApiErrorShape['code'], message: string) {
    super(message);
  }
}

declare global {
  interface Window {
    icmDesktop?: DesktopBridge;
  }
}

export function connect(): Bridge {
  if (window.icmDesktop) return desktopBridge(window.icmDesktop);
  return webBridge();
}

/** Electron rejects with "Error invoking remote method 'icm:x': Error: [code] message": unwrap it. */
function desktopApi(raw: IcmApi): IcmApi {
  const wrap = (m: string) => async (...args: unknown[]) => {
    try {
      return await (raw as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m](...args);
    } catch (e) {
      const text = (e as Error)?.message ?? String(e);
      const m2 = new RegExp(`\\[(${API_ERROR_CODES.join('|')})\\] (.*)$`, 's').exec(text);
      throw m2 ? new ApiError(m2[1] as ApiErrorShape['code'], m2[2]) : new ApiError('internal', text);
    }
  };
  return Object.fromEntries(API_METHODS.map((m) => [m, wrap(m)])) as unknown as IcmApi;
}

function desktopBridge(d: DesktopBridge): Bridge {
  return {
    mode: 'desktop',
    api: desktopApi(d.api),
    subscribe: (l) => d.onEvent(l),
    assetUrl: (kind, id, v) => `icm-asset://app${assetPath(kind, id, v)}`,
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
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const res = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-icm-token': token },
      body: JSON.stringify(args),
    });
    const body = (await res.json().catch(() => null)) as { result?: unknown; error?: ApiErrorShape } | null;
    if (!res.ok || !body || body.error) {
      const err = body?.error ?? { code: 'internal', message: `${method}: HTTP ${res.status}` };
      throw new ApiError(err.code, err.message);
    }
    return body.result;
  };
  const api = Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as IcmApi;

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
    async upload(file) {
      const res = await fetch(`/api/upload?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'x-icm-token': token, 'content-type': 'application/octet-stream' },
        body: file,
      });
      const body = (await res.json().catch(() => null)) as { result?: string; error?: ApiErrorShape } | null;
      if (!res.ok || !body || typeof body.result !== 'string') throw new ApiError(body?.error?.code ?? 'io', body?.error?.message ?? `upload of ${file.name} failed (HTTP ${res.status})`);
      return body.result;
    },
  };
}
