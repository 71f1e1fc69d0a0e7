// Preload of the main window: exposes `window.icmDesktop` (see api.ts), a frozen object with exactly
// the contract's methods (src/shared/rpc.ts remoteApi). The renderer gets no ipcRenderer, no Node, no electron.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ServiceEvent } from '../shared/contract';
import { remoteApi, type ApiResult } from '../shared/rpc';
import { channelOf, ICM_EVENT_CHANNEL, type DesktopBridge } from './api';

const api = remoteApi((m, args) => ipcRenderer.invoke(channelOf(m), ...args) as Promise<ApiResult>);

const bridge: DesktopBridge = {
  api,
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, payload: ServiceEvent): void => listener(payload);
    ipcRenderer.on(ICM_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(ICM_EVENT_CHANNEL, handler);
  },
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
};

contextBridge.exposeInMainWorld('icmDesktop', Object.freeze(bridge));
