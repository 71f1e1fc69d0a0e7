// The service with no engine started: what a loaded project says about photos it cannot read.
// (No model is needed: opening a project, listing photos and making thumbnails do not use it.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ShootService } from '../../src/service/shoot-service';
import { writeProjectFile } from '../../src/service/project-file';
import { fileErrorWords } from '../../src/shared/wording';
import type { ShootSettings } from '../../src/shared/contract';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const SETTINGS: ShootSettings = {
  pack: 'medium',
  exportDefaults: { format: 'alpha-png', bitDepth: 8, nameTemplate: '{name}', overwrite: false },
};

let tmp: string;
before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-shoot-project-')));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('a project naming photos the app cannot read', () => {
  it('shows each as failed with the reason (not "new"), before and after the references are applied', async () => {
    const shoot = join(tmp, 'shoot');
    await fsp.mkdir(shoot);
    const good = await fsp.readFile(join(FIX, 'target-1.jpg'));
    await fsp.copyFile(join(FIX, 'ref.jpg'), join(shoot, 'ref.jpg'));
    await fsp.writeFile(join(shoot, 'good.jpg'), good);
    await fsp.writeFile(join(shoot, 'garbage.jpg'), Buffer.from('this is not a JPEG at all, only text with a .jpg name\n'.repeat(20)));
    await fsp.writeFile(join(shoot, 'cut.jpg'), good.subarray(0, Math.floor(good.length / 3)));
    // The data randomised after the header: the header reads fine, the pixels decode with warnings.
    const damaged = Buffer.from(good);
    for (let i = 2000; i < damaged.length - 200; i += 97) damaged[i] = (damaged[i] * 31 + 7) & 0xff;
    await fsp.writeFile(join(shoot, 'damaged.jpg'), damaged);
    const project = join(shoot, 'shoot.icmproj');
    const names = ['ref.jpg', 'good.jpg', 'garbage.jpg', 'cut.jpg', 'damaged.jpg'];
    await writeProjectFile(project, {
      photos: names.map((n) => ({ path: join(shoot, n), correction: null })),
      references: [{ photo: 0, prompt: { shapes: [{ kind: 'box', x0: 10, y0: 10, x1: 200, y1: 200 }], brushMeans: 'mask' } }],
      settings: SETTINGS,
    });

    const svc = new ShootService({ stateDir: join(tmp, 'state'), appVersion: 'test', autosaveMs: 0 });
    try {
      await svc.openProject(project);
      const byName = async () => new Map((await svc.listPhotos()).map((p) => [p.name, p]));
      let photos = await byName();
      assert.equal(photos.size, names.length);
      assert.equal(photos.get('good.jpg')!.state, 'new');
      assert.equal(photos.get('ref.jpg')!.isReference, true);
      const garbage = photos.get('garbage.jpg')!;
      assert.equal(garbage.state, 'failed', 'an unreadable photo is failed once the project is open');
      assert.match(garbage.error ?? '', /garbage\.jpg/, 'the reason names the file');
      assert.match(fileErrorWords(garbage.error!).plain, /damaged, or is not a JPEG/);

      // The grid asks for every thumbnail: a file whose pixels cannot be decoded cleanly fails there.
      for (const n of ['good.jpg', 'cut.jpg', 'damaged.jpg']) await svc.getAsset('thumb', photos.get(n)!.id).catch(() => undefined);
      photos = await byName();
      assert.equal(photos.get('good.jpg')!.state, 'new');
      for (const [n, plain] of [
        ['cut.jpg', /cut short/],
        ['damaged.jpg', /damaged/],
      ] as const) {
        const p = photos.get(n)!;
        assert.equal(p.state, 'failed', `${n}: ${p.state}`);
        assert.match(p.error ?? '', new RegExp(n.replace('.', '\\.')));
        assert.match(fileErrorWords(p.error!).plain, plain, p.error);
      }

      // New references reset every result; an unreadable photo stays failed with its reason.
      await svc.setReferences([
        { photoId: photos.get('ref.jpg')!.id, prompt: { shapes: [{ kind: 'box', x0: 5, y0: 5, x1: 100, y1: 100 }], brushMeans: 'mask' } },
      ]);
      photos = await byName();
      for (const n of ['garbage.jpg', 'cut.jpg', 'damaged.jpg']) assert.equal(photos.get(n)!.state, 'failed', n);
      assert.equal(photos.get('good.jpg')!.state, 'new');
      // And a run does not queue them.
      const failedBefore = photos.get('garbage.jpg')!.error;
      await svc.runTargets();
      photos = await byName();
      assert.equal(photos.get('garbage.jpg')!.state, 'failed');
      assert.equal(photos.get('garbage.jpg')!.error, failedBefore);
    } finally {
      await svc.close();
    }
  });
});
