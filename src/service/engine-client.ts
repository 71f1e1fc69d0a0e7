// The service's handle on the engine host worker: typed request/response over postMessage.
import '../engine/offline-env'; // main thread, before the engine worker starts: onnxruntime telemetry off
import { Worker } from 'node:worker_threads';
import type {
  EngineCorrection,
  EngineInit,
  EngineMatteReply,
  EngineReadyInfo,
  EngineReference,
  EngineReply,
  EngineRequest,
} from './engine-protocol';

/** An error the engine reported for one request (`code` 'input' = a problem with the photo itself). */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: 'input' | 'engine' | 'exited',
  ) {
    super(message);
  }
}

/** How long close() waits for the request in flight (one matte of a large photo) before terminating. */
const CLOSE_GRACE_MS = 20_000;

type Pending = { resolve(v: unknown): void; reject(e: Error): void };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * How to start the worker. In Node (CLI, serve, tests) the TypeScript entry runs through tsx; the
 * Electron build bundles the worker as its own file and passes that file's URL.
 */
export interface EngineWorkerEntry {
  url: URL;
  execArgv?: string[];
}

export function defaultWorkerEntry(): EngineWorkerEntry {
  return { url: new URL('./engine-worker-entry.mjs', import.meta.url) };
}

export class EngineClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitError: EngineError | null = null;

  constructor(entry: EngineWorkerEntry = defaultWorkerEntry()) {
    this.worker = new Worker(entry.url, { execArgv: entry.execArgv ?? [] });
    this.worker.on('message', (reply: EngineReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new EngineError(reply.error, reply.code));
    });
    const fail = (err: EngineError): void => {
      this.exitError = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(new EngineError(`engine host crashed: ${e.message}`, 'exited')));
    this.worker.on('exit', (code) => fail(new EngineError(`engine host exited (code ${code})`, 'exited')));
  }

  private request<T>(req: WithoutId<EngineRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  init(init: EngineInit): Promise<EngineReadyInfo> {
    return this.request({ type: 'init', init });
  }

  setReferences(refs: EngineReference[]): Promise<void> {
    return this.request({ type: 'setReferences', refs });
  }

  matte(
    path: string,
    cacheKey: string,
    outStem: string,
    correction: EngineCorrection | null,
    protect: string[],
  ): Promise<EngineMatteReply> {
    return this.request({ type: 'matte', path, cacheKey, outStem, correction, protect });
  }

  /**
   * Lets the request in flight finish and the model be released before the thread ends:
   * terminating a worker while onnxruntime runs in it can abort the whole process (a native
   * exception on a torn-down environment). Bounded: a stuck host is terminated anyway.
   */
  async close(): Promise<void> {
    if (!this.exitError) {
      const disposed = this.request({ type: 'dispose' }).catch(() => undefined);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([disposed, new Promise((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
    }
    this.exitError ??= new EngineError('engine host closed', 'exited');
    await this.worker.terminate();
  }
}
