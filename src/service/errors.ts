// The service's one way to fail: an error meant for the user with the contract's code, and the
// mapping of any error to the contract's error data ({ code, message, details? }).
import type { ApiErrorShape } from '../shared/contract';
import { PathRejected } from './paths';
import { InvalidArgument } from './validate';

/** An error meant for the user, with the contract's code. */
export class ServiceError extends Error {
  constructor(
    readonly code: ApiErrorShape['code'],
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

/** Maps any error to the contract's error shape: the message (one line) for the user, the code for the UI, the rest as details. */
export function toApiError(e: unknown): ApiErrorShape {
  if (e instanceof ServiceError) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  if (e instanceof InvalidArgument || e instanceof PathRejected) return { code: 'invalid-argument', message: e.message };
  const [message, ...rest] = ((e as Error)?.message ?? String(e)).split('\n');
  return { code: 'internal', message, ...(rest.length ? { details: rest.join('\n') } : {}) };
}
