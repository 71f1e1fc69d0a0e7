// Preload of the (sandboxed, context-isolated) main window: exposes `window.icm`, a frozen object
// with exactly the methods of IcmApi. The renderer gets no ipcRenderer, no Node, no electron.
import { contextBridge, ipcRenderer } from 'electron';
import { ICM_CHANNELS, type IcmApi } from './api';

const api: IcmApi = {
  version: () => ipcRenderer.invoke(ICM_CHANNELS.version) as Promise<string>,
};

contextBridge.exposeInMainWorld('icm', Object.freeze(api));
