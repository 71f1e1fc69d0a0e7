// Electron main process: one secure window (context isolation, no Node in the renderer, sandbox),
// the inference service (src/service, the same one `icm serve` hosts; the engine itself runs in a
// worker thread), the contract's IPC handlers, native dialogs and the icm-asset:// protocol for
// images. Everything the renderer sends is validated here (by the service) before use.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, type IpcMainInvokeEvent, type OpenDialogOptions } from 'electron';
import { API_METHODS, isAssetKind, type PickKind } from '../shared/contract';
import { dispatcher, handlersOf, type ApiResult } from '../shared/rpc';
import { IMAGE_EXTENSIONS } from '../shared/vocabulary';
import { channelOf, ICM_EVENT_CHANNEL } from '../preload/api';
import { pixelBudgetOf } from '../engine/io/images';
import { ShootService, toApiError } from '../service/shoot-service';
import { pickKind } from '../service/validate';

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main after electron-vite build
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_HTML = path.join(here, '../renderer/index.html');

// Packaged app: electron-builder copies resources/models to <resources>/models (extraResources);
// the engine finds its model packs through ICM_MODELS_DIR.
if (app.isPackaged && !process.env.ICM_MODELS_DIR) {
  process.env.ICM_MODELS_DIR = path.join(process.resourcesPath, 'models');
}

protocol.registerSchemesAsPrivileged([{ scheme: 'icm-asset', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let mainWindow: BrowserWindow | null = null;
let service: ShootService | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'In-Context Matting',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // The renderer never opens windows or navigates away from the app.
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  const devUrl = process.env.ELECTRON_RENDERER_URL; // set by `electron-vite dev`
  if (!app.isPackaged && devUrl) void win.loadURL(devUrl);
  else void win.loadFile(RENDERER_HTML);
  return win;
}

/** Only our own window may call the API. */
function fromMainWindow(event: IpcMainInvokeEvent): boolean {
  return mainWindow !== null && event.sender === mainWindow.webContents && !event.sender.isDestroyed();
}

const DIALOGS: Record<PickKind, OpenDialogOptions | 'save'> = {
  images: {
    title: 'Import photos',
    properties: ['openFile', 'multiSelections'],
    filters: [{ name: 'Images', extensions: IMAGE_EXTENSIONS.map((e) => e.slice(1)) }],
  },
  folder: { title: 'Import a folder of photos', properties: ['openDirectory'] },
  'project-open': {
    title: 'Open project',
    properties: ['openFile'],
    filters: [{ name: 'In-Context Matting project', extensions: ['icmproj'] }],
  },
  'export-folder': { title: 'Export to folder', properties: ['openDirectory', 'createDirectory'] },
  'project-save': 'save',
};

async function pickPaths(kind: PickKind): Promise<string[] | null> {
  if (!mainWindow) return null;
  const d = DIALOGS[kind];
  if (d === 'save') {
    const r = await dialog.showSaveDialog(mainWindow, {
      title: 'Save project',
      filters: [{ name: 'In-Context Matting project', extensions: ['icmproj'] }],
    });
    return r.canceled || !r.filePath ? null : [r.filePath];
  }
  const r = await dialog.showOpenDialog(mainWindow, d);
  return r.canceled ? null : r.filePaths;
}

function registerIpc(svc: ShootService): void {
  // The contract's dispatcher (src/shared/rpc.ts): answers are data, errors included.
  const dispatch = dispatcher(handlersOf(svc, { pickPaths: async (kind) => pickPaths(pickKind(kind)) }), toApiError);
  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), async (event, ...args: unknown[]): Promise<ApiResult> => {
      if (!fromMainWindow(event)) return { ok: false, error: { code: 'invalid-argument', message: 'unexpected sender' } };
      return dispatch(method, args);
    });
  }
  svc.on((e) => {
    if (mainWindow && !mainWindow.webContents.isDestroyed()) mainWindow.webContents.send(ICM_EVENT_CHANNEL, e);
  });
  // icm-asset://app/asset/<kind>/<id>?v=N — images for <img> and fabric, served from the service.
  protocol.handle('icm-asset', async (request) => {
    const url = new URL(request.url);
    const [, , kind, rawId] = url.pathname.split('/');
    if (url.host !== 'app' || !kind || !isAssetKind(kind)) return new Response('not found', { status: 404 });
    try {
      const asset = await svc.getAsset(kind, decodeURIComponent(rawId ?? ''));
      return new Response(new Uint8Array(asset.body), {
        headers: { 'content-type': asset.contentType, 'cache-control': 'private, max-age=31536000, immutable' },
      });
    } catch (e) {
      return new Response(toApiError(e).message, { status: 404 });
    }
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => {
    void service?.close();
  });
  void app.whenReady().then(async () => {
    const stateDir = path.join(app.getPath('userData'), 'state');
    await fsp.mkdir(stateDir, { recursive: true });
    // The engine host is bundled next to this file by electron-vite (see electron.vite.config.ts).
    service = new ShootService({
      stateDir,
      appVersion: app.getVersion(),
      nativeDialogs: true,
      uploads: false,
      maxPixels: pixelBudgetOf(process.env.ICM_MAX_MEGAPIXELS),
      workerEntry: { url: new URL('./engine-worker.js', import.meta.url) },
    });
    registerIpc(service);
    void service.start();
    mainWindow = createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });
}
