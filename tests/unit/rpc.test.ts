// The one proxy and dispatcher every transport uses (src/shared/rpc.ts): method names from the
// contract, errors as data { code, message, details } end to end.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { API_METHODS, type IcmApi } from '../../src/shared/contract';
import { ApiError, apiProxy, dispatcher, handlersOf, remoteApi, type ApiResult, type Handlers, type Wire } from '../../src/shared/rpc';
import type { Assert, Equal } from '../../src/shared/vocabulary';
import { ServiceError, toApiError } from '../../src/service/shoot-service';

// The compile-time check bites: a method list that misses one of the API's methods is not equal.
// @ts-expect-error -- 'getStatus' alone is not every method of IcmApi
export type _MissingMethodsFail = Assert<Equal<'getStatus', keyof IcmApi>>;

function fakeHandlers(over: Partial<Handlers> = {}): Handlers {
  const base = Object.fromEntries(API_METHODS.map((m) => [m, async (...args: unknown[]) => ({ method: m, args })])) as unknown as Handlers;
  return { ...base, ...over };
}

/** The wire as Electron's IPC and HTTP carry it: only plain data survives (structured clone / JSON). */
const overJson =
  (dispatch: (m: unknown, a: unknown) => Promise<ApiResult>): Wire =>
  async (m, args) =>
    JSON.parse(JSON.stringify(await dispatch(m, JSON.parse(JSON.stringify(args)))));

describe('rpc', () => {
  it('the dispatcher answers with data: unknown methods, bad argument lists, thrown errors', async () => {
    const dispatch = dispatcher(
      fakeHandlers({
        listPhotos: async () => {
          throw new ServiceError('busy', 'an export is running');
        },
        getStatus: async () => {
          throw new Error('first line\nstack or more');
        },
        newProject: async () => undefined,
      }),
      toApiError,
    );
    for (const m of ['nope', 'constructor', '__proto__', 'getAsset', 42])
      assert.deepEqual(await dispatch(m, []), { ok: false, error: { code: 'not-found', message: `no API method ${String(m)}` } });
    assert.equal(((await dispatch('importPaths', { 0: 'a' })) as { error: { code: string } }).error.code, 'invalid-argument');
    assert.equal(((await dispatch('importPaths', [1, 2, 3, 4, 5])) as { error: { code: string } }).error.code, 'invalid-argument');
    assert.deepEqual(await dispatch('listPhotos', []), { ok: false, error: { code: 'busy', message: 'an export is running' } });
    assert.deepEqual(await dispatch('getStatus', []), {
      ok: false,
      error: { code: 'internal', message: 'first line', details: 'stack or more' },
    });
    assert.deepEqual(await dispatch('newProject', []), { ok: true, result: null });
    assert.deepEqual(await dispatch('removePhotos', [['a']]), { ok: true, result: { method: 'removePhotos', args: [['a']] } });
  });

  it('the proxy over a data-only wire returns results and throws ApiError with code, message and details', async () => {
    const api = apiProxy(
      overJson(
        dispatcher(
          fakeHandlers({
            previewTarget: async () => {
              throw new ServiceError('not-found', 'no photo with id "x" in this shoot', 'looked in 3 photos');
            },
          }),
          toApiError,
        ),
      ),
    );
    assert.deepEqual(await api.importPaths(['/a.jpg']), { method: 'importPaths', args: [['/a.jpg']] });
    await assert.rejects(api.previewTarget('x'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 'not-found');
      assert.equal(e.message, 'no photo with id "x" in this shoot');
      assert.equal(e.details, 'looked in 3 photos');
      return true;
    });
    assert.deepEqual(Object.keys(api).sort(), [...API_METHODS].sort(), 'exactly the contract’s methods');
  });

  it('a malformed answer or a failing transport is an internal ApiError, not a crash or a success', async () => {
    const garbage = apiProxy(async () => ({ nonsense: true }) as unknown as ApiResult);
    await assert.rejects(garbage.getStatus(), (e: unknown) => e instanceof ApiError && e.code === 'internal');
    const badCode = apiProxy(async () => ({ ok: false, error: { code: 'teapot', message: 'm' } }) as unknown as ApiResult);
    await assert.rejects(badCode.getStatus(), (e: unknown) => e instanceof ApiError && e.code === 'internal' && e.message === 'm');
    const down = apiProxy(async () => {
      throw new Error('socket closed');
    });
    await assert.rejects(
      down.listPhotos(),
      (e: unknown) => e instanceof ApiError && e.code === 'internal' && /listPhotos: socket closed/.test(e.message),
    );
  });

  it('remoteApi (the preload object) carries every method as data; handlersOf needs every method', async () => {
    const seen: unknown[] = [];
    const remote = remoteApi(async (m, args) => {
      seen.push([m, args]);
      return { ok: true, result: m };
    });
    assert.deepEqual(await remote.cancelJob('j1'), { ok: true, result: 'cancelJob' });
    assert.deepEqual(seen, [['cancelJob', ['j1']]]);
    assert.ok(Object.isFrozen(remote));
    assert.throws(() => handlersOf({ getStatus: async () => null }), /no handler for importPaths/);
    const impl = {
      tag: 'svc',
      async getStatus(this: { tag: string }) {
        return this.tag;
      },
    };
    const h = handlersOf({
      ...Object.fromEntries(API_METHODS.map((m) => [m, async () => m])),
      getStatus: impl.getStatus,
      tag: 'bound',
    } as never);
    assert.equal(await h.getStatus(), 'bound', 'methods are called on their object');
  });
});
