// Electron main process. For now: one secure window (context isolation, no Node in the renderer,
// sandbox) that loads the renderer and answers the IcmApi calls of the preload. The engine will
// run here as an inference service off the UI thread in the next milestone.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { ICM_CHANNELS } from '../preload/api';

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main after electron-vite build
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_HTML = path.join(here, '../renderer/index.html');

// Packaged app: electron-builder copies resources/models to <resources>/models (extraResources);
// the engine finds its model packs through ICM_MODELS_DIR.
if (app.isPackaged && !process.env.ICM_MODELS_DIR) {
  process.env.ICM_MODELS_DIR = path.join(process.resourcesPath, 'models');
}

let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 600,
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
  return mainWindow !== null && event.sender === mainWindow.webContents;
}

function registerIpc(): void {
  ipcMain.handle(ICM_CHANNELS.version, (event) => {
    if (!fromMainWindow(event)) throw new Error('unexpected sender');
    return app.getVersion();
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
  void app.whenReady().then(() => {
    registerIpc();
    mainWindow = createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });
}
