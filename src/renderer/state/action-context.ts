// What every group of actions (actions.ts and its sibling *-actions.ts) works with: the bridge to
// the service, the store, and `call`, which turns a failed call into a toast.
import type { Bridge } from '../bridge';
import type { Store } from './store';

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export interface ActionContext {
  readonly bridge: Bridge;
  readonly store: Store;
  /** Runs an API call; on failure shows a toast and resolves to undefined. */
  call<T>(what: () => Promise<T>): Promise<T | undefined>;
}
