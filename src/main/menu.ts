// The desktop app's menu, as a pure function of where it runs (tests/unit/desktop-main.test.ts
// builds it in plain Node). Commands for the UI go out through `send` (the main process puts them on
// the preload's one event channel); the two that are the host's own (the source link, the log
// folder) are callbacks. A packaged app has no reload and no developer tools.
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../shared/contract';

export interface MenuContext {
  packaged: boolean;
  platform: NodeJS.Platform;
  appName: string;
  send(command: AppCommand): void;
  openSource(): void;
  openLogFolder(): void;
}

/** Roles that exist for developers only: never in a packaged app. */
export const DEVELOPER_ROLES = ['reload', 'forceReload', 'toggleDevTools'] as const;

export function menuTemplate(ctx: MenuContext): MenuItemConstructorOptions[] {
  const mac = ctx.platform === 'darwin';
  const command = (label: string, cmd: AppCommand, extra: Partial<MenuItemConstructorOptions> = {}): MenuItemConstructorOptions => ({
    label,
    click: () => ctx.send(cmd),
    ...extra,
  });
  // Shortcuts the page already handles itself (App.tsx, the reference editor's undo/redo) are shown
  // but not registered, so one key press does not act twice (Windows, Linux). On macOS the page sees
  // the key first and a handled key does not reach the menu.
  const shownOnly = (accelerator: string): Partial<MenuItemConstructorOptions> => ({ accelerator, registerAccelerator: false });

  const about = command(`About ${ctx.appName}`, 'about');
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      command('New shoot', 'new-project'),
      command('Open project…', 'open-project', shownOnly('CmdOrCtrl+O')),
      { type: 'separator' },
      command('Import photos…', 'import-photos'),
      command('Import folder…', 'import-folder'),
      { type: 'separator' },
      command('Save project', 'save-project', shownOnly('CmdOrCtrl+S')),
      command('Save project as…', 'save-project-as', shownOnly('Shift+CmdOrCtrl+S')),
      { type: 'separator' },
      command('Export…', 'export'),
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [
      { role: 'undo', ...shownOnly('CmdOrCtrl+Z') },
      { role: 'redo', ...shownOnly(mac ? 'Shift+Cmd+Z' : 'CmdOrCtrl+Y') },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };
  const developer: MenuItemConstructorOptions[] = ctx.packaged
    ? []
    : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }];
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...developer,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      ...(mac ? [] : [about, { type: 'separator' } as const]),
      { label: 'Source code', click: () => ctx.openSource() },
      { label: 'Open log folder', click: () => ctx.openLogFolder() },
    ],
  };
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: ctx.appName,
          submenu: [
            about,
            { type: 'separator' },
            { role: 'services' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  const windowMenu: MenuItemConstructorOptions[] = mac ? [{ role: 'windowMenu' }] : [];
  return [...appMenu, file, edit, view, ...windowMenu, help];
}

/** Every item of a template, submenus included (for checks). */
export function menuItems(template: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  const out: MenuItemConstructorOptions[] = [];
  const walk = (items: readonly MenuItemConstructorOptions[]): void => {
    for (const item of items) {
      out.push(item);
      if (Array.isArray(item.submenu)) walk(item.submenu);
    }
  };
  walk(template);
  return out;
}
