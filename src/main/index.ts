// Electron main process: one secure window (context isolation, no Node in the renderer, sandbox),
// the inference service (src/service, the same one `icm serve` hosts; the engine itself runs in a
// worker thread), the contract's IPC handlers, native dialogs and the icm-asset:// protocol for
// images. Everything the renderer sends is validated here (by the service) before use.
// Also the desktop's conventions, each in its own module: the menu (menu.ts), projects the system
// hands the app (open-file.ts: file association, second instance, macOS open-file) and the log file
// (src/service/rotating-log.ts, in the platform's logs folder).
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, shell, type IpcMainInvokeEvent, type OpenDialogOptions } from 'electron';
import { API_METHODS, isAssetKind, type AppCommand, type PickKind, type ServiceEvent } from '../shared/contract';
import { dispatcher, handlersOf, type ApiResult } from '../shared/rpc';
import { IMAGE_EXTENSIONS } from '../shared/vocabulary';
import { SOURCE_NOT_PUBLISHED } from '../shared/wording';
import { channelOf, ICM_EVENT_CHANNEL } from '../preload/api';
import { pixelBudgetOf } from '../engine/io/images';
import type { EngineResources } from '../engine/pipeline/matter';
import { APP_NAME } from '../service/about';
import { RotatingLog } from '../service/rotating-log';
import { logServiceEvents } from '../service/service-log';
import { ShootService, toApiError } from '../service/shoot-service';
import { pickKind } from '../service/validate';
import { menuTemplate } from './menu';
import { ProjectOpener, projectPathFromArgv } from './open-file';

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main after electron-vite build
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_HTML = path.join(here, '../renderer/index.html');

/**
 * Where the engine finds its model packs and selection model: ICM_MODELS_DIR and ICM_HEAD_MODEL
 * when set (README "Environment"); else, packaged, <resources>/models, where electron-builder
 * copies resources/models (extraResources; the selection model is in <resources>/head beside it);
 * from sources, the repo's resources/ (the engine's default).
 */
function engineResources(): EngineResources {
  const packaged = app.isPackaged ? path.join(process.resourcesPath, 'models') : undefined;
  return { modelsDir: process.env.ICM_MODELS_DIR?.trim() || packaged, selectionModel: process.env.ICM_HEAD_MODEL };
}

protocol.registerSchemesAsPrivileged([{ scheme: 'icm-asset', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let mainWindow: BrowserWindow | null = null;
let service: ShootService | null = null;
let log: RotatingLog | null = null;
const opener = new ProjectOpener();
/** The About dialog's links (the source, the components' pages): the only pages opened, in the browser. */
const externalLinks = new Set<string>();

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
      // No developer tools in a packaged app (the menu has none either, see menu.ts).
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  // The renderer never opens windows or navigates away from the app; About's links open in the
  // user's browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    // (compared as the browser writes them: new URL() adds the trailing slash of a bare host)
    if (externalLinks.has(url) && /^https?:$/.test(new URL(url).protocol)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  win.webContents.on('render-process-gone', (_e, details) =>
    log?.error(`the window's renderer stopped: ${details.reason} (exit code ${details.exitCode})`),
  );
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

/** To the UI on the preload's one event channel (service events and the menu's commands). */
function sendToWindow(e: ServiceEvent): void {
  if (mainWindow && !mainWindow.webContents.isDestroyed()) mainWindow.webContents.send(ICM_EVENT_CHANNEL, e);
}

function sendCommand(command: AppCommand): void {
  if (!mainWindow) mainWindow = createWindow(); // macOS: the app can run with its window closed
  sendToWindow({ type: 'command', command });
}

function focusWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

/** A project the system handed us: opened in the service; the UI then starts afresh on it. */
async function openHandedProject(svc: ShootService, path: string): Promise<void> {
  try {
    await svc.openProject(path);
    log?.info(`opened project ${path} (handed over by the system)`);
    sendCommand('project-opened');
    focusWindow();
  } catch (e) {
    const err = toApiError(e);
    log?.error(`cannot open project ${path}: ${err.message}`);
    dialog.showErrorBox('Cannot open the project', err.message);
  }
}

function installMenu(logDir: string): void {
  const template = menuTemplate({
    packaged: app.isPackaged,
    platform: process.platform,
    appName: APP_NAME, // app.getName() is the package name ('in-context-matting') in a development run
    send: sendCommand,
    openSource: () => {
      service
        ?.getAbout()
        .then(async (a) => {
          if (a.sourceUrl) await shell.openExternal(a.sourceUrl);
          else await dialog.showMessageBox({ type: 'info', title: 'Source code', message: 'Source code', detail: SOURCE_NOT_PUBLISHED });
        })
        .catch((e: unknown) => log?.error('cannot open the source code page', e));
    },
    openLogFolder: () => {
      // openPath answers with an error message ('' when it worked) instead of failing.
      void shell.openPath(logDir).then((err) => err && log?.error(`cannot open the log folder ${logDir}: ${err}`));
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
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
  svc.on(sendToWindow);
  // icm-asset://app/asset/<kind>/<id>?v=N — images for <img> and fabric, served from the service.
  protocol.handle('icm-asset', async (request) => {
    const url = new URL(request.url);
    const [, , kind, rawId] = url.pathname.split('/');
    if (url.host !== 'app' || !kind || !isAssetKind(kind)) return new Response('not found', { status: 404 });
    try {
      const asset = await svc.getAsset(kind, decodeURIComponent(rawId ?? ''), url.searchParams);
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
  // A double-clicked project while the app runs (Windows, Linux): the second instance's command line.
  app.on('second-instance', (_e, argv, workingDirectory) => {
    focusWindow();
    const project = projectPathFromArgv(argv, workingDirectory);
    if (project) opener.request(project);
  });
  // macOS hands files over as events, the first one possibly before 'ready'.
  app.on('open-file', (e, path) => {
    e.preventDefault();
    opener.request(path);
  });
  const launchProject = projectPathFromArgv(process.argv, process.cwd());
  if (launchProject) opener.request(launchProject);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => {
    log?.info('quitting');
    void service?.close();
    void log?.flush();
  });
  void app.whenReady().then(async () => {
    const stateDir = path.join(app.getPath('userData'), 'state');
    await fsp.mkdir(stateDir, { recursive: true });
    // <userData>/logs on Windows and Linux, ~/Library/Logs/<app> on macOS.
    const logDir = app.getPath('logs');
    log = new RotatingLog({ dir: logDir });
    // Watches (does not change) what an uncaught error does: its stack is in the log before the end.
    process.on('uncaughtExceptionMonitor', (e, origin) => log?.writeNow('error', `${origin}: ${e?.stack ?? String(e)}`));
    log.info(
      `${app.getName()} ${app.getVersion()} starting: Electron ${process.versions.electron}, ${process.platform} ${process.arch}, ${app.isPackaged ? 'packaged' : 'development'}`,
    );
    // The engine host is bundled next to this file by electron-vite (see electron.vite.config.ts).
    service = new ShootService({
      stateDir,
      appVersion: app.getVersion(),
      nativeDialogs: true,
      uploads: false,
      maxPixels: pixelBudgetOf(process.env.ICM_MAX_MEGAPIXELS),
      resources: engineResources(),
      workerEntry: { url: new URL('./engine-worker.js', import.meta.url) },
      logFile: log.file,
    });
    logServiceEvents((l) => service!.on(l), log);
    void service.getAbout().then(
      (a) => [...(a.sourceUrl ? [a.sourceUrl] : []), ...a.components.map((c) => c.url)].forEach((u) => externalLinks.add(new URL(u).href)),
      (e: unknown) => log?.error('the About information cannot be read', e),
    );
    registerIpc(service);
    installMenu(logDir);
    void service.start();
    mainWindow = createWindow();
    const svc = service;
    opener.ready((p) => openHandedProject(svc, p));
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });
}
