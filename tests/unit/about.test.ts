// The About information (src/service/about.ts): the app's own facts from package.json, and the
// third-party licences it states checked against the installed packages' own files, so a
// dependency bump that changes a licence fails here instead of going unnoticed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_REVISION } from '../../src/engine/revision';
import { findAppRoot, readAbout, sourceUrlOf, THIRD_PARTY } from '../../src/service/about';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkgJson = (p: string) => JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')) as Record<string, unknown>;
const spec = (name: string) => THIRD_PARTY.find((c) => c.name === name)!;

describe('About', () => {
  it('finds the app from its own source folder and states its version, licence, source, engine revision and pack', () => {
    assert.equal(findAppRoot(), REPO);
    const root = pkgJson(REPO);
    const a = readAbout({ modelPack: 'isnet-small', logFile: '/tmp/icm.log' });
    assert.equal(a.name, 'In-Context Matting');
    assert.equal(a.version, root.version);
    assert.equal(a.license, 'AGPL-3.0-or-later');
    assert.equal(a.license, root.license);
    assert.match(a.sourceUrl, /^https:\/\/[^\s]+[^/.]$/, 'a browsable https link');
    assert.equal(a.engineRevision, ENGINE_REVISION);
    assert.equal(a.modelPack, 'isnet-small');
    assert.equal(a.logFile, '/tmp/icm.log');
    const names = a.components.map((c) => c.name);
    for (const n of ['ISNet model weights (Qin et al., DIS)', '@imgly/background-removal-data', 'ONNX Runtime (onnxruntime-node)', 'sharp'])
      assert.ok(names.includes(n), n);
    assert.ok(names.some((n) => n.startsWith('libvips')));
    assert.ok(!names.includes('Electron'), 'Electron is listed only inside the desktop app');
    for (const c of a.components) assert.match(c.version, /^\d+\.\d+/, `${c.name} has a version (${c.version})`);
  });

  it('turns package.json "repository" forms into a browsable link', () => {
    assert.equal(sourceUrlOf({ repository: { url: 'git+https://github.com/o/r.git' } }), 'https://github.com/o/r');
    assert.equal(sourceUrlOf({ repository: 'github:o/r' }), 'https://github.com/o/r');
    assert.equal(sourceUrlOf({ homepage: 'https://example.org/icm' }), 'https://example.org/icm');
    assert.equal(sourceUrlOf({}), null);
  });

  it('the licences it states are the ones the installed packages state', () => {
    const nm = join(REPO, 'node_modules');
    const a = readAbout({ modelPack: 'isnet-medium' });
    const version = (name: string) => a.components.find((c) => c.name === name)?.version;
    for (const [name, pkg] of [
      ['ONNX Runtime (onnxruntime-node)', 'onnxruntime-node'],
      ['sharp', 'sharp'],
      ['React', 'react'],
      ['Fabric.js', 'fabric'],
    ] as const) {
      const installed = pkgJson(join(nm, pkg));
      assert.equal(spec(name).license, installed.license, `${name}: licence as ${pkg}/package.json states it`);
      assert.equal(version(name), installed.version, `${name}: the installed version`);
    }
    // libvips: the prebuilt package's licence field, the running library's version.
    const libvipsPkgs = readdirSync(join(nm, '@img')).filter((d) => d.startsWith('sharp-libvips-'));
    assert.ok(libvipsPkgs.length > 0, 'a prebuilt libvips is installed');
    for (const d of libvipsPkgs)
      assert.equal(THIRD_PARTY.find((c) => c.name.startsWith('libvips'))!.license, pkgJson(join(nm, '@img', d)).license);
    const vips = JSON.parse(readFileSync(join(nm, '@img', libvipsPkgs[0], 'versions.json'), 'utf8')) as { vips: string };
    assert.equal(a.components.find((c) => c.name.startsWith('libvips'))!.version, vips.vips);
    // The data package says "SEE LICENSE IN LICENSE.md": that file is the GNU AGPL version 3.
    const data = join(nm, '@imgly', 'background-removal-data');
    assert.equal(pkgJson(data).license, 'SEE LICENSE IN LICENSE.md');
    const text = readFileSync(join(data, 'LICENSE.md'), 'utf8');
    assert.match(text.slice(0, 200), /GNU Affero General Public License[\s\S]*Version 3/);
    assert.equal(spec('@imgly/background-removal-data').license, 'AGPL-3.0');
    assert.equal(version('@imgly/background-removal-data'), pkgJson(data).version);
    // The weights: MIT, from the DIS repository, as the data package's ThirdPartyLicenses.json and
    // every model pack's manifest say.
    const third = JSON.parse(readFileSync(join(data, 'ThirdPartyLicenses.json'), 'utf8')) as Record<
      string,
      { source: string; license: string }
    >;
    const weights = spec('ISNet model weights (Qin et al., DIS)');
    assert.equal(weights.license, third.ISNET.license);
    assert.equal(weights.url, third.ISNET.source);
    for (const pack of readdirSync(join(REPO, 'resources', 'models'))) {
      const m = JSON.parse(readFileSync(join(REPO, 'resources', 'models', pack, 'manifest.json'), 'utf8')) as {
        license: { weights: string; weightsSource: string };
      };
      assert.equal(m.license.weights, weights.license, `${pack}: weights licence`);
      assert.equal(m.license.weightsSource, weights.url, `${pack}: weights source`);
    }
  });

  it('a package.json without a source link is refused (the AGPL offer of the source cannot be left out)', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(join(os.tmpdir(), 'icm-about-'));
    try {
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'in-context-matting', version: '9.9.9', license: 'AGPL-3.0-or-later' }),
      );
      assert.throws(() => readAbout({ modelPack: 'isnet-medium', appRoot: dir }), /names no "repository"/);
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'in-context-matting',
          version: '9.9.9',
          license: 'AGPL-3.0-or-later',
          repository: 'github:o/r',
          dependencies: { sharp: '^1.2.3' },
        }),
      );
      const a = readAbout({ modelPack: 'isnet-medium', appRoot: dir });
      assert.equal(a.version, '9.9.9');
      assert.equal(
        a.components.find((c) => c.name === 'sharp')?.version,
        '^1.2.3',
        'a package not on disk shows the version package.json pins',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
