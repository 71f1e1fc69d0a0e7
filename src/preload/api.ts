// What the preload exposes to the (sandboxed, context-isolated) renderer as `window.icmDesktop`:
// the contract's API as data in, data out (src/shared/rpc.ts: every answer is an ApiResult, errors
// included, since Electron carries only the message of a thrown error), service events, and the
// path of a dropped file. Channel names are derived from the one method list in the contract.
import type { ServiceEvent } from '../shared/contract';
import type { RemoteApi } from '../shared/rpc';

export const ICM_EVENT_CHANNEL = 'icm:event';

export function channelOf(method: string): string {
  return `icm:${method}`;
}

export interface DesktopBridge {
  api: RemoteApi;
  onEvent(listener: (e: ServiceEvent) => void): () => void;
  pathForFile(file: File): string | null;
}
