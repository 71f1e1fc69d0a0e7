// The desktop main process's pure parts (Electron's binary is not needed): the menu template and
// the project handed over on a command line or by macOS open-file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../../src/shared/contract';
import { APP_COMMANDS } from '../../src/shared/contract';
import { DEVELOPER_ROLES, menuItems, menuTemplate } from '../../src/main/menu';
import { ProjectOpener, projectPathFromArgv } from '../../src/main/open-file';

function build(packaged: boolean, platform: NodeJS.Platform) {
  const sent: AppCommand[] = [];
  const calls: string[] = [];
  const template = menuTemplate({
    packaged,
    platform,
    appName: 'In-Context Matting',
    send: (c) => sent.push(c),
    openSource: () => calls.push('source'),
    openLogFolder: () => calls.push('logs'),
  });
  return { template, sent, calls, items: menuItems(template) };
}

const click = (item: MenuItemConstructorOptions | undefined): void => {
  assert.ok(item && item.click, `${item?.label} can be clicked`);
  (item.click as () => void)();
};

describe('application menu', () => {
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    it(`${platform}: a packaged app has no reload and no developer tools anywhere; a development run has them`, () => {
      const packaged = build(true, platform).items;
      for (const role of DEVELOPER_ROLES) assert.ok(!packaged.some((i) => i.role === role), `no ${role} when packaged`);
      assert.ok(!packaged.some((i) => /devtools|developer/i.test(String(i.label ?? ''))), 'no developer item by label either');
      const dev = build(false, platform).items;
      for (const role of DEVELOPER_ROLES)
        assert.ok(
          dev.some((i) => i.role === role),
          `${role} in development`,
        );
    });
  }

  it('File, Edit, View and Help; the file commands and About go to the UI, source and logs stay in main', () => {
    const { template, items, sent, calls } = build(true, 'linux');
    assert.deepEqual(
      template.map((m) => m.label ?? m.role),
      ['File', 'Edit', 'View', 'help'],
    );
    const byLabel = (l: string | RegExp) => items.find((i) => (typeof l === 'string' ? i.label === l : l.test(String(i.label ?? ''))));
    for (const label of ['Import photos…', 'Import folder…', 'Open project…', 'Save project', 'Save project as…', 'Export…', 'New shoot'])
      click(byLabel(label));
    click(byLabel(/^About /));
    assert.deepEqual(sent, [
      'import-photos',
      'import-folder',
      'open-project',
      'save-project',
      'save-project-as',
      'export',
      'new-project',
      'about',
    ]);
    for (const c of sent) assert.ok((APP_COMMANDS as readonly string[]).includes(c));
    click(byLabel('Source code'));
    click(byLabel('Open log folder'));
    assert.deepEqual(calls, ['source', 'logs']);
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'quit'])
      assert.ok(
        items.some((i) => i.role === role),
        `${role}`,
      );
  });

  it('shortcuts the page handles itself are shown, not registered (one key press acts once)', () => {
    const { items } = build(true, 'linux');
    for (const accel of ['CmdOrCtrl+O', 'CmdOrCtrl+S', 'Shift+CmdOrCtrl+S', 'CmdOrCtrl+Z', 'CmdOrCtrl+Y']) {
      const item = items.find((i) => i.accelerator === accel);
      assert.ok(item, accel);
      assert.equal(item.registerAccelerator, false, `${accel} is not registered`);
    }
  });

  it('macOS: the app menu holds About and Quit, and there is a Window menu', () => {
    const { template } = build(true, 'darwin');
    assert.equal(template[0].label, 'In-Context Matting');
    const appItems = template[0].submenu as MenuItemConstructorOptions[];
    assert.match(String(appItems[0].label), /^About /);
    assert.ok(appItems.some((i) => i.role === 'quit'));
    assert.ok(template.some((m) => m.role === 'windowMenu'));
  });
});

describe('the project handed over on a command line', () => {
  const cwd = resolve('/home/u/shoots');

  it('takes the first .icmproj, skipping the executable, switches and the app folder of a development run', () => {
    assert.equal(projectPathFromArgv(['/opt/icm/in-context-matting', '/data/a.icmproj'], cwd), resolve('/data/a.icmproj'));
    assert.equal(
      projectPathFromArgv(['electron', '.', '--no-sandbox', '--inspect=9229', 'b.ICMPROJ', 'c.icmproj'], cwd),
      resolve(cwd, 'b.ICMPROJ'),
      'relative to the launching folder, any case',
    );
    // Chromium's switches in a second instance's argv, macOS's process serial number.
    assert.equal(
      projectPathFromArgv(['app', '--allow-file-access-from-files', '--original-process-start-time=1', '-psn_0_1234', 'x.icmproj'], cwd),
      resolve(cwd, 'x.icmproj'),
    );
  });

  it('ignores lines without a project: flags only, photos, a switch whose value ends in .icmproj', () => {
    assert.equal(projectPathFromArgv(['app'], cwd), null);
    assert.equal(projectPathFromArgv(['app', '--flag', '/p/photo.jpg', '/p/shoot.icmproj.bak', '/p/notes.txt'], cwd), null);
    assert.equal(projectPathFromArgv(['app', '--user-data-dir=/x/y.icmproj'], cwd), null);
    assert.equal(projectPathFromArgv(['electron', '/src/app'], cwd), null);
  });

  it('opens requests made before the app is ready once it is (the last one), then at once, in order', async () => {
    const opened: string[] = [];
    const opener = new ProjectOpener();
    opener.request('/a.icmproj');
    opener.request('/b.icmproj');
    assert.equal(opened.length, 0, 'nothing opens before the app is ready');
    opener.ready(async (p) => {
      await new Promise((r) => setTimeout(r, 5));
      opened.push(p);
    });
    opener.request('/c.icmproj');
    await opener.idle();
    assert.deepEqual(opened, ['/b.icmproj', '/c.icmproj']);
    // A failing open does not stop the next one.
    const o2 = new ProjectOpener();
    const seen: string[] = [];
    o2.ready(async (p) => {
      seen.push(p);
      if (p === '/bad.icmproj') throw new Error('no');
    });
    o2.request('/bad.icmproj');
    o2.request('/good.icmproj');
    await o2.idle();
    assert.deepEqual(seen, ['/bad.icmproj', '/good.icmproj']);
  });
});
