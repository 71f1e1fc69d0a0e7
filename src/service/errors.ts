// The service's one way to fail: an error meant for the user with the contract's code, and the
// mapping of any error to the contract's error data.
import type { ApiErrorShape } from '../shared/contract';
import { PathRejected } from './paths';
import { InvalidArgument } from './validate';

/** An error meant for the user, with the contract's code. */
export class ServiceError extends Error {
  constructor(
    readonly code: ApiErrorShape['code'],
    message: string,
  ) {
    super(message);
  }
}

/** Maps any error to the contract's error shape (message for the user, code for the UI). */
export function toApiError(e: unknown): { code: ServiceError['code']; message: string } {
  if (e instanceof ServiceError) return { code: e.code, message: e.message };
  if (e instanceof InvalidArgument || e instanceof PathRejected) return { code: 'invalid-argument', message: e.message };
  return { code: 'internal', message: (e as Error)?.message?.split('\n')[0] ?? String(e) };
}
