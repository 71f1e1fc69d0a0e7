// What the preload exposes to the (sandboxed, context-isolated) renderer as `window.icmDesktop`:
// the contract's API over ipcRenderer.invoke, service events, and the path of a dropped file.
// Channel names are derived from the one method list in src/shared/contract.ts.
import type { IcmApi, ServiceEvent } from '../shared/contract';

export const ICM_EVENT_CHANNEL = 'icm:event';

export function channelOf(method: string): string {
  return `icm:${method}`;
}

export interface DesktopBridge {
  api: IcmApi;
  onEvent(listener: (e: ServiceEvent) => void): () => void;
  pathForFile(file: File): string | null;
}
