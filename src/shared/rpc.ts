// One generic proxy and one dispatcher, derived from the contract, for every transport (Electron
// preload ↔ main over IPC, the browser ↔ `icm serve` over HTTP, tests in process). Errors cross as
// data, { code, message, details? }, never as a message string to pick apart; the method list is
// checked against the IcmApi type at compile time.
import { API_METHODS, type ApiErrorShape, type ApiMethod, type IcmApi } from './contract';
import { API_ERROR_CODES, isOneOf, type Assert, type Equal } from './vocabulary';

/** API_METHODS is exactly the API's methods: adding one to IcmApi without the list fails to compile. */
export type _MethodListIsTheApi = Assert<Equal<ApiMethod, keyof IcmApi>>;

/** At most this many arguments per call (no method takes more than two). */
export const MAX_ARGS = 4;

/** The answer of one call, as plain data. */
export type ApiResult<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiErrorShape };

/** The API as data in, data out: what the preload exposes, what a transport carries. */
export type RemoteApi = { [M in ApiMethod]: (...args: Parameters<IcmApi[M]>) => Promise<ApiResult<Awaited<ReturnType<IcmApi[M]>>>> };

/** A transport: sends one call and resolves with its answer (a transport failure is an answer too). */
export type Wire = (method: ApiMethod, args: unknown[]) => Promise<ApiResult>;

/** An error from the service, with its code (see ApiErrorShape). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorShape['code'],
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

export function isApiMethod(name: unknown): name is ApiMethod {
  return isOneOf(API_METHODS, name);
}

/** Whatever came back is made a well-formed error shape (a transport can deliver anything). */
export function asErrorShape(e: unknown): ApiErrorShape {
  const o = (e && typeof e === 'object' ? e : {}) as Record<string, unknown>;
  const code = isOneOf(API_ERROR_CODES, o.code) ? o.code : 'internal';
  const message = typeof o.message === 'string' ? o.message : String(e);
  return { code, message, ...(typeof o.details === 'string' ? { details: o.details } : {}) };
}

/** The API's methods as data-in, data-out functions over a wire (the preload's object). */
export function remoteApi(wire: Wire): RemoteApi {
  return Object.freeze(Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => wire(m, args)]))) as unknown as RemoteApi;
}

/** The typed API over a wire: results come back, errors are thrown as ApiError. */
export function apiProxy(wire: Wire): IcmApi {
  const call = async (m: ApiMethod, args: unknown[]): Promise<unknown> => {
    let r: ApiResult;
    try {
      r = await wire(m, args);
    } catch (e) {
      throw new ApiError('internal', `${m}: ${(e as Error)?.message ?? String(e)}`);
    }
    if (r && r.ok === true) return r.result;
    const err = asErrorShape(r && r.ok === false ? r.error : r);
    throw new ApiError(err.code, err.message, err.details);
  };
  return Object.freeze(Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)]))) as unknown as IcmApi;
}

/** The receiving side's implementation of every method (arguments unchecked: each validates its own). */
export type Handlers = { [M in ApiMethod]: (...args: unknown[]) => Promise<unknown> };

/** Handlers from an object implementing the API (methods bound to it), with some replaced. */
export function handlersOf(impl: { [M in ApiMethod]?: unknown }, overrides: Partial<Handlers> = {}): Handlers {
  const out: Partial<Handlers> = {};
  for (const m of API_METHODS) {
    const own = overrides[m];
    const fn = impl[m];
    if (own) out[m] = own;
    else if (typeof fn === 'function') out[m] = (...args: unknown[]) => (fn as (...a: unknown[]) => Promise<unknown>).apply(impl, args);
  }
  const missing = API_METHODS.filter((m) => !out[m]);
  if (missing.length) throw new Error(`no handler for ${missing.join(', ')}`);
  return out as Handlers;
}

/**
 * The dispatcher every receiving transport uses: checks the method name and the arguments' form,
 * calls the handler and answers with data (it never throws). `toError` maps a thrown error to the
 * contract's shape (the service's toApiError).
 */
export function dispatcher(
  handlers: Handlers,
  toError: (e: unknown) => ApiErrorShape,
): (method: unknown, args: unknown) => Promise<ApiResult> {
  return async (method, args) => {
    if (!isApiMethod(method)) return { ok: false, error: { code: 'not-found', message: `no API method ${String(method)}` } };
    if (!Array.isArray(args) || args.length > MAX_ARGS)
      return { ok: false, error: { code: 'invalid-argument', message: 'the arguments must be a list of at most 4 values' } };
    try {
      const result = await handlers[method](...args);
      return { ok: true, result: result ?? null };
    } catch (e) {
      return { ok: false, error: toError(e) };
    }
  };
}
