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
    // The repo's package.json names a public repository only once one exists (set at release): no invented link.
    assert.equal(a.sourceUrl, sourceUrlOf(root));
    if (a.sourceUrl !== null) assert.match(a.sourceUrl, /^https:\/\/[^\s]+[^/.]$/, 'a browsable https link');
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

  it('a package.json without a source address gives no link (About then says so); with one, its browsable link', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(join(os.tmpdir(), 'icm-about-'));
    try {
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'in-context-matting', version: '9.9.9', license: 'AGPL-3.0-or-later' }),
      );
      assert.equal(readAbout({ modelPack: 'isnet-medium', appRoot: dir }).sourceUrl, null);
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
      assert.equal(a.sourceUrl, 'https://github.com/o/r');
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

  it('npm run dist refuses to package a release whose package.json names no source address', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { spawnSync } = await import('node:child_process');
    const os = await import('node:os');
    const pkg = pkgJson(REPO) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.dist, /^node scripts\/require-source-address\.mjs && /, 'the check runs before anything is built');
    const dir = await mkdtemp(join(os.tmpdir(), 'icm-dist-check-'));
    const check = (json: object) => {
      const file = join(dir, 'package.json');
      return writeFile(file, JSON.stringify(json)).then(() =>
        spawnSync(process.execPath, [join(REPO, 'scripts', 'require-source-address.mjs'), file], { encoding: 'utf8' }),
      );
    };
    try {
      const without = await check({ name: 'in-context-matting', version: '9.9.9' });
      assert.equal(without.status, 1);
      assert.match(without.stderr, /names no "repository": set the project's public source address/);
      const blank = await check({ name: 'in-context-matting', repository: { url: ' ' } });
      assert.equal(blank.status, 1, blank.stderr);
      const named = await check({ name: 'in-context-matting', repository: { type: 'git', url: 'git+https://example.org/icm.git' } });
      assert.equal(named.status, 0, named.stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
