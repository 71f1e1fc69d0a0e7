import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assembleModel, stampPathOf } from '../../src/engine/model-pack/assemble';
import {
  defaultModelsDir,
  listPacks,
  loadModelPack,
  modelsDirOf,
  openSession,
  providerPrecheck,
  resolvePackDir,
  sessionOptionsFor,
  type LoadedModelPack,
} from '../../src/engine/model-pack/load';
import { ModelPackError, parseManifest, sessionOutputName, type ModelPackManifest } from '../../src/engine/model-pack/manifest';
import { prepareModels } from '../../src/engine/model-pack/prepare';
import { defaultSelectionModelPath } from '../../src/engine/pipeline/selection';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MEDIUM_DIR = path.join(REPO, 'resources', 'models', 'isnet-medium');
const MEDIUM_MANIFEST = path.join(MEDIUM_DIR, 'manifest.json');

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

let tmpRoot = '';
before(async () => {
  tmpRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'icm-model-pack-'));
});
after(async () => {
  if (tmpRoot) await fs.rm(tmpRoot, { recursive: true, force: true });
});

async function readJson(p: string): Promise<Record<string, any>> {
  return JSON.parse(await fs.readFile(p, 'utf8'));
}

/** Expect fn to reject/throw a ModelPackError (optionally of `code`) whose message includes every `parts`. */
async function expectPackError(fn: () => unknown, parts: (string | RegExp)[], code?: string): Promise<ModelPackError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ModelPackError, `expected ModelPackError, got ${String(err)}`);
  for (const p of parts) {
    if (typeof p === 'string') assert.ok(err.message.includes(p), `message "${err.message}" should include "${p}"`);
    else assert.match(err.message, p);
  }
  assert.ok(!err.message.includes('\n'), 'message must be one line');
  if (code) assert.equal(err.code, code, err.message);
  return err;
}

// -------------------------------------------------------------------------------------------------

describe('parseManifest', () => {
  const F = 'resources/models/x/manifest.json';
  let base: Record<string, any>;
  before(async () => {
    base = await readJson(MEDIUM_MANIFEST);
  });

  it('accepts the shipped manifests', async () => {
    for (const id of ['isnet-medium', 'isnet-small']) {
      const m = parseManifest(await readJson(path.join(REPO, 'resources', 'models', id, 'manifest.json')), id);
      assert.equal(m.id, id);
      assert.equal(m.schema, 1);
      assert.equal(m.model.file, 'model.onnx');
      assert.deepEqual(m.input.size, [1024, 1024]);
      assert.deepEqual(
        m.outputs.features.map((f) => [f.id, f.name, f.channels, f.stride]),
        [
          ['d16', 'input.656', 512, 64],
          ['d32', 'input.740', 512, 32],
          ['d64', 'input.832', 256, 16],
          ['d128', 'input.948', 128, 8],
          ['d256', 'input.1088', 64, 4],
          ['d512', 'input.1252', 64, 2],
          ['e32', '/stage5/Add_output_0', 512, 32],
          ['e64', '/stage4/Add_output_0', 512, 16],
        ],
      );
      assert.deepEqual(
        m.outputs.features.filter((f) => f.internal).map((f) => f.id),
        ['e32', 'e64'],
      );
      assert.deepEqual(m.defaults, { inter: ['e64', 'e32'], intra: ['d64', 'd16'] });
      assert.deepEqual(m.outputs.attention, []);
      assert.equal(m.outputs.saliency?.name, 'output');
      assert.equal(m.license.weights, 'MIT');
    }
  });

  it('accepts raw JSON text and defaults a missing attention list to []', () => {
    const j = clone(base);
    delete j.outputs.attention;
    const m = parseManifest(JSON.stringify(j), F);
    assert.deepEqual(m.outputs.attention, []);
  });

  it('gives the exact field path for a bad stride', () => {
    const j = clone(base);
    j.outputs.features[2].stride = 0;
    assert.throws(() => parseManifest(j, F), {
      name: 'ModelPackError',
      message: 'resources/models/x/manifest.json: outputs.features[2].stride must be a positive integer (got number 0)',
    });
  });

  const cases: [string, (j: Record<string, any>) => void, string][] = [
    ['missing schema', (j) => delete j.schema, `${F}: schema is missing`],
    ['future schema', (j) => (j.schema = 2), `${F}: schema must be 1 (got number 2)`],
    ['missing id', (j) => delete j.id, `${F}: id is missing`],
    ['bad id', (j) => (j.id = 'a b'), `${F}: id must contain only`],
    ['missing license.weights', (j) => delete j.license.weights, `${F}: license.weights is missing`],
    ['license not an object', (j) => (j.license = 'MIT'), `${F}: license must be an object (got "MIT")`],
    ['missing model', (j) => delete j.model, `${F}: model is missing (expected an object)`],
    ['bad sha256', (j) => (j.model.sha256 = 'ABC'), `${F}: model.sha256 must be 64 lower-case hex digits`],
    ['bytes not integer', (j) => (j.model.bytes = 1.5), `${F}: model.bytes must be a positive integer`],
    ['assembleFrom without resource', (j) => delete j.model.assembleFrom.resource, `${F}: model.assembleFrom.resource is missing`],
    ['size with one value', (j) => (j.input.size = [1024]), `${F}: input.size must be [height, width]`],
    ['size not integer', (j) => (j.input.size = [1024, '1024']), `${F}: input.size[1] must be a positive integer`],
    ['unknown resize', (j) => (j.input.resize = 'letterbox'), `${F}: input.resize must be one of: fill`],
    ['mean of 2', (j) => (j.input.mean = [0.5, 0.5]), `${F}: input.mean must have exactly 3 numbers`],
    ['zero std', (j) => (j.input.std[1] = 0), `${F}: input.std[1] must be > 0`],
    ['features missing', (j) => delete j.outputs.features, `${F}: outputs.features is missing (expected an array)`],
    ['features empty', (j) => (j.outputs.features = []), `${F}: outputs.features must declare at least one`],
    [
      'channels as string',
      (j) => (j.outputs.features[1].channels = '512'),
      `${F}: outputs.features[1].channels must be a positive integer (got "512")`,
    ],
    ['feature name missing', (j) => delete j.outputs.features[4].name, `${F}: outputs.features[4].name is missing`],
    ['feature not object', (j) => (j.outputs.features[5] = 3), `${F}: outputs.features[5] must be an object`],
    [
      'duplicate feature id',
      (j) => (j.outputs.features[3].id = 'd16'),
      `${F}: outputs.features[3].id "d16" is already used by outputs.features[0].id`,
    ],
    [
      'duplicate output name',
      (j) => (j.outputs.features[3].name = 'output'),
      `${F}: outputs.features[3].name "output" is already used by outputs.saliency.name`,
    ],
    ['saliency without name', (j) => (j.outputs.saliency = {}), `${F}: outputs.saliency.name is missing`],
    [
      'attention without tokens',
      (j) => (j.outputs.attention = [{ id: 'a0', name: 'attn' }]),
      `${F}: outputs.attention[0].tokens is missing`,
    ],
    [
      'defaults.inter unknown id',
      (j) => (j.defaults.inter = ['d99']),
      `${F}: defaults.inter[0] "d99" is not a declared feature id (declared: d16, d32, d64, d128, d256, d512, e32, e64)`,
    ],
    ['defaults.intra duplicate', (j) => (j.defaults.intra = ['d16', 'd16']), `${F}: defaults.intra[1] "d16" is listed twice`],
    ['defaults missing', (j) => delete j.defaults, `${F}: defaults is missing`],
    [
      'internal not a boolean',
      (j) => (j.outputs.features[6].internal = 'yes'),
      `${F}: outputs.features[6].internal must be true or false (got "yes")`,
    ],
  ];
  for (const [what, mutate, msg] of cases) {
    it(`rejects ${what}`, async () => {
      const j = clone(base);
      mutate(j);
      const e = await expectPackError(() => parseManifest(j, F), [msg], 'MANIFEST_INVALID');
      assert.equal(e.file, F);
    });
  }

  it('rejects invalid JSON and non-objects', async () => {
    await expectPackError(() => parseManifest('{ "schema": 1,', F), [`${F}: invalid JSON`], 'MANIFEST_INVALID');
    await expectPackError(() => parseManifest([], F), [`${F}: manifest must be a JSON object`], 'MANIFEST_INVALID');
  });
});

// -------------------------------------------------------------------------------------------------

describe('assembleModel (fake data package)', () => {
  const chunkSizes = [4096, 4096, 1234];
  let chunks: Buffer[] = [];
  let whole: Buffer;

  /** Fresh fake data package + pack dir; returns paths and a manifest pointing at it. */
  async function makeFake(name: string, opts: { corrupt?: number; drop?: number } = {}) {
    const root = path.join(tmpRoot, name);
    const pkgDir = path.join(root, 'node_modules', '@fake', 'data');
    const dist = path.join(pkgDir, 'dist');
    const packDir = path.join(root, 'pack');
    await fs.mkdir(dist, { recursive: true });
    await fs.mkdir(packDir, { recursive: true });
    await fs.writeFile(path.join(pkgDir, 'package.json'), '{"name":"@fake/data","version":"0.0.0"}');
    let off = 0;
    const entries = [];
    for (let i = 0; i < chunks.length; i++) {
      const h = sha(chunks[i]);
      entries.push({ hash: h, offsets: [off, off + chunks[i].length] });
      off += chunks[i].length;
      if (opts.drop === i) continue;
      const data = Buffer.from(chunks[i]);
      if (opts.corrupt === i) data[17] ^= 0xff;
      await fs.writeFile(path.join(dist, h), data);
    }
    await fs.writeFile(
      path.join(dist, 'resources.json'),
      JSON.stringify({
        '/models/fake': { chunks: entries, size: off, mime: 'application/octet-steam' },
        '/other.wasm': { chunks: [], size: 0 },
      }),
    );
    const base = await readJson(MEDIUM_MANIFEST);
    base.id = 'fake';
    base.model = {
      file: 'model.onnx',
      sha256: sha(whole),
      bytes: whole.length,
      assembleFrom: { package: '@fake/data', resource: '/models/fake' },
    };
    const manifest = parseManifest(base, path.join(packDir, 'manifest.json'));
    return { root, pkgDir, dist, packDir, manifest, entries, file: path.join(packDir, 'model.onnx') };
  }

  const tmpLeft = async (dir: string) => (await fs.readdir(dir)).filter((n) => n.includes('.tmp-'));

  before(() => {
    chunks = chunkSizes.map((n) => randomBytes(n));
    whole = Buffer.concat(chunks);
  });

  it('assembles, stamps, then trusts the stamp; re-hashes without stamp; rebuilds a modified file', async () => {
    const f = await makeFake('ok');
    // a stale temp file of a dead process is cleaned up
    await fs.writeFile(`${f.file}.tmp-999999999`, 'junk');
    const progress: number[] = [];
    const r1 = await assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir, onProgress: (p) => progress.push(p.bytesDone) });
    assert.equal(r1.action, 'assembled');
    assert.equal(r1.path, f.file);
    assert.ok((await fs.readFile(f.file)).equals(whole));
    assert.equal(progress.at(-1), whole.length);
    assert.ok(existsSync(stampPathOf(f.file)));
    assert.deepEqual(await tmpLeft(f.packDir), []);

    const r2 = await assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir });
    assert.equal(r2.action, 'stamp');

    await fs.rm(stampPathOf(f.file));
    const r3 = await assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir });
    assert.equal(r3.action, 'hashed');
    assert.ok(existsSync(stampPathOf(f.file)));

    // same size, different bytes, different mtime → stamp no longer matches → hash mismatch → rebuilt
    const bad = Buffer.from(whole);
    bad[5] ^= 1;
    await fs.writeFile(f.file, bad);
    const later = new Date(Date.now() + 5000);
    await fs.utimes(f.file, later, later);
    const r4 = await assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir });
    assert.equal(r4.action, 'assembled');
    assert.ok((await fs.readFile(f.file)).equals(whole));

    // wrong size → rebuilt
    await fs.writeFile(f.file, 'short');
    assert.equal((await assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir })).action, 'assembled');
  });

  it('concurrent calls for the same file share one assembly', async () => {
    const f = await makeFake('concurrent');
    const [a, b] = await Promise.all([
      assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir }),
      assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir }),
    ]);
    assert.equal(a.action, 'assembled');
    assert.equal(b, a);
    assert.ok((await fs.readFile(f.file)).equals(whole));
    assert.deepEqual(await tmpLeft(f.packDir), []);
  });

  it('finds the data package by walking up node_modules when not injected', async () => {
    const f = await makeFake('walk');
    const cwd = process.cwd();
    process.chdir(f.root);
    try {
      const r = await assembleModel(f.packDir, f.manifest);
      assert.equal(r.action, 'assembled');
    } finally {
      process.chdir(cwd);
    }
  });

  it('names a corrupted chunk and leaves no model or temp file', async () => {
    const f = await makeFake('corrupt', { corrupt: 1 });
    await expectPackError(
      () => assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir }),
      ['chunk 2/3', f.entries[1].hash, 'is corrupt', 'npm install'],
      'CHUNK_INVALID',
    );
    assert.equal(existsSync(f.file), false);
    assert.deepEqual(await tmpLeft(f.packDir), []);
  });

  it('names a missing chunk', async () => {
    const f = await makeFake('missing-chunk', { drop: 2 });
    await expectPackError(
      () => assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir }),
      ['chunk 3/3', f.entries[2].hash, 'is missing'],
      'CHUNK_INVALID',
    );
    assert.deepEqual(await tmpLeft(f.packDir), []);
  });

  it('detects a chunk whose length does not match its offsets', async () => {
    const f = await makeFake('bad-offsets');
    const rj = await readJson(path.join(f.dist, 'resources.json'));
    // chunk 1 claims 4000 bytes; shift the rest so offsets stay contiguous, size unchanged
    rj['/models/fake'].chunks[0].offsets = [0, 4000];
    rj['/models/fake'].chunks[1].offsets = [4000, 8192];
    await fs.writeFile(path.join(f.dist, 'resources.json'), JSON.stringify(rj));
    await expectPackError(
      () => assembleModel(f.packDir, f.manifest, { dataPackageDir: f.pkgDir }),
      ['chunk 1/3', 'has 4096 bytes, expected 4000'],
      'CHUNK_INVALID',
    );
    assert.deepEqual(await tmpLeft(f.packDir), []);
  });

  it('rejects a manifest sha256 that the assembled bytes do not match (atomically)', async () => {
    const f = await makeFake('bad-sha');
    const m: ModelPackManifest = clone(f.manifest);
    m.model.sha256 = '0'.repeat(64);
    await expectPackError(
      () => assembleModel(f.packDir, m, { dataPackageDir: f.pkgDir }),
      ['model.sha256', '0'.repeat(64)],
      'MODEL_INVALID',
    );
    assert.equal(existsSync(f.file), false);
    assert.deepEqual(await tmpLeft(f.packDir), []);
  });

  it('says to npm install when the data package is absent; unknown resource is named', async () => {
    const f = await makeFake('no-pkg');
    await expectPackError(
      () => assembleModel(f.packDir, f.manifest, { dataPackageDir: path.join(f.root, 'nope') }),
      ['@fake/data is not installed', 'npm install'],
      'DATA_PACKAGE_MISSING',
    );
    const m: ModelPackManifest = clone(f.manifest);
    m.model.assembleFrom!.resource = '/models/huge';
    await expectPackError(
      () => assembleModel(f.packDir, m, { dataPackageDir: f.pkgDir }),
      ['"/models/huge"', '/models/fake'],
      'DATA_PACKAGE_MISSING',
    );
  });

  it('without assembleFrom, a missing model file is a clear error', async () => {
    const f = await makeFake('no-assemble');
    const m: ModelPackManifest = clone(f.manifest);
    delete m.model.assembleFrom;
    await expectPackError(() => assembleModel(f.packDir, m), ['model.onnx is missing', 'no model.assembleFrom'], 'MODEL_INVALID');
  });

  it('prepareModels never throws: absent data package → one-line note', async () => {
    const f = await makeFake('prepare');
    await fs.writeFile(
      path.join(f.packDir, 'manifest.json'),
      JSON.stringify({ ...(await readJson(MEDIUM_MANIFEST)), id: 'fake', model: f.manifest.model }),
    );
    const lines: string[] = [];
    const res = await prepareModels({
      packs: [f.packDir, 'no-such-pack'],
      quiet: true,
      log: (l) => lines.push(l),
      dataPackageDir: path.join(f.root, 'nope'),
    });
    assert.equal(res.length, 2);
    assert.equal(res[0].ok, false);
    assert.equal(res[0].code, 'DATA_PACKAGE_MISSING');
    assert.equal(res[1].code, 'PACK_NOT_FOUND');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.ok(l.startsWith('icm: note:') && !l.includes('\n'), l);

    const ok = await prepareModels({ packs: [f.packDir], log: (l) => lines.push(l), dataPackageDir: f.pkgDir });
    assert.equal(ok[0].ok, true);
    assert.equal(ok[0].action, 'assembled');
  });
});

// -------------------------------------------------------------------------------------------------

describe('pack resolution', () => {
  it('resolves ids, aliases and folders', async () => {
    assert.equal(defaultModelsDir(), path.join(REPO, 'resources', 'models'));
    assert.equal(resolvePackDir('medium'), MEDIUM_DIR);
    assert.equal(resolvePackDir('isnet-medium'), MEDIUM_DIR);
    assert.equal(resolvePackDir('small'), path.join(REPO, 'resources', 'models', 'isnet-small'));
    assert.equal(resolvePackDir(MEDIUM_DIR), MEDIUM_DIR);
    assert.equal(resolvePackDir(MEDIUM_MANIFEST), MEDIUM_DIR);
    assert.equal(resolvePackDir(path.relative(process.cwd(), MEDIUM_DIR) || '.'), MEDIUM_DIR);
    await expectPackError(() => resolvePackDir('large'), ['unknown model pack "large"', 'isnet-medium'], 'PACK_NOT_FOUND');
    await expectPackError(() => resolvePackDir(path.join(tmpRoot, 'nowhere')), ['no model pack at'], 'PACK_NOT_FOUND');
  });

  it('looks pack ids up in the models folder it is given; the engine itself reads no ICM_MODELS_DIR (the hosts do)', async () => {
    const dir = path.join(tmpRoot, 'models-given');
    await fs.mkdir(path.join(dir, 'custom'), { recursive: true });
    await fs.copyFile(MEDIUM_MANIFEST, path.join(dir, 'custom', 'manifest.json'));
    // A decoy in the environment: an engine that still read it would find no pack at all.
    const prev = process.env.ICM_MODELS_DIR;
    process.env.ICM_MODELS_DIR = path.join(tmpRoot, 'models-decoy');
    try {
      assert.equal(modelsDirOf(dir), dir);
      assert.equal(modelsDirOf(path.relative(process.cwd(), dir)), dir, 'a relative folder is resolved');
      assert.equal(modelsDirOf('  '), defaultModelsDir(), 'blank counts as not given');
      assert.equal(resolvePackDir('custom', dir), path.join(dir, 'custom'));
      await expectPackError(() => resolvePackDir('custom'), ['unknown model pack "custom"', 'isnet-medium'], 'PACK_NOT_FOUND');
      assert.equal(resolvePackDir('medium'), MEDIUM_DIR, 'without a folder: the repo’s, whatever the environment says');
      const packs = await listPacks(dir);
      assert.deepEqual(
        packs.map((p) => p.id),
        ['custom'],
      );
      assert.equal(packs[0].ready, false);
      assert.equal(defaultSelectionModelPath(dir), path.join(tmpRoot, 'head', 'selection.json'), 'the selection model beside the packs');
      assert.equal(defaultSelectionModelPath(), path.join(REPO, 'resources', 'head', 'selection.json'));
    } finally {
      if (prev === undefined) delete process.env.ICM_MODELS_DIR;
      else process.env.ICM_MODELS_DIR = prev;
    }
  });

  it('listPacks finds the shipped packs', async () => {
    const packs = await listPacks();
    const ids = packs.map((p) => p.id);
    assert.ok(ids.includes('isnet-medium') && ids.includes('isnet-small'), ids.join(','));
    for (const p of packs) assert.equal(p.error, null, `${p.id}: ${p.error}`);
  });

  it('sessionOptionsFor', () => {
    assert.deepEqual(sessionOptionsFor('cpu', 2), { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 2 });
    assert.deepEqual(sessionOptionsFor('cuda', 3).executionProviders, ['cuda', 'cpu']);
    const dml = sessionOptionsFor('dml', 1);
    assert.deepEqual(dml.executionProviders, ['dml', 'cpu']);
    assert.equal(dml.enableMemPattern, false);
    assert.equal(sessionOptionsFor('cpu').intraOpNumThreads, os.availableParallelism());
  });
});

// -------------------------------------------------------------------------------------------------

describe('loadModelPack (real ISNet medium)', () => {
  let loaded: LoadedModelPack | null = null;
  let modelFile = '';
  after(async () => {
    await loaded?.session.release();
  });

  /** A temp pack whose manifest is a modified copy of medium's, referencing the real model by absolute path. */
  async function variant(name: string, mutate: (j: Record<string, any>) => void): Promise<string> {
    const dir = path.join(tmpRoot, 'variants', name);
    await fs.mkdir(dir, { recursive: true });
    const j = await readJson(MEDIUM_MANIFEST);
    j.model.file = modelFile;
    mutate(j);
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(j, null, 2));
    return dir;
  }

  it('assembles (if needed), loads on CPU and validates the graph', async () => {
    loaded = await loadModelPack('medium', { provider: 'auto' });
    modelFile = loaded.modelPath;
    assert.equal(loaded.dir, MEDIUM_DIR);
    assert.equal(loaded.manifest.id, 'isnet-medium');
    assert.equal(loaded.provider, 'cpu');
    assert.match(loaded.providerNote, /using CPU/);
    if (process.platform === 'linux') assert.match(loaded.providerNote, /CUDA unavailable: /);
    assert.equal((await fs.stat(modelFile)).size, 88188479);
    for (const f of loaded.manifest.outputs.features) assert.ok(loaded.session.outputNames.includes(sessionOutputName(f)), f.id);
    assert.ok(loaded.session.outputNames.includes('/stage4/Add_output_0:float32'), 'internal encoder stage exposed');
    assert.deepEqual(loaded.session.inputNames, ['input']);
  });

  it('an explicitly requested unavailable provider is an error, not a silent CPU run', async (t) => {
    if (process.platform === 'linux' && providerPrecheck('cuda') !== null) {
      await expectPackError(
        () => openSession(modelFile, { provider: 'cuda' }),
        ['CUDA was requested but is unavailable'],
        'PROVIDER_UNAVAILABLE',
      );
    } else t.diagnostic('CUDA check skipped (not linux or CUDA EP present)');
    if (process.platform !== 'win32') {
      await expectPackError(() => loadModelPack('medium', { provider: 'dml' }), ['DirectML', 'Windows-only'], 'PROVIDER_UNAVAILABLE');
    }
    const cpu = await openSession(modelFile, { provider: 'cpu', threads: 1 });
    assert.equal(cpu.provider, 'cpu');
    assert.equal(cpu.providerNote, 'using CPU (requested)');
    await cpu.session.release();
  });

  it('a wrong channel count fails with the field path and the real value', async () => {
    const dir = await variant('channels', (j) => (j.outputs.features[2].channels = 128));
    await expectPackError(
      () => loadModelPack(dir, { provider: 'cpu' }),
      [path.join(dir, 'manifest.json'), 'outputs.features[2].channels is 128 but output "input.832" (d64) has 256 channels'],
      'GRAPH_MISMATCH',
    );
  });

  it('a non-existent output fails naming it', async () => {
    const dir = await variant('no-output', (j) => (j.outputs.features[0].name = 'input.9999'));
    await expectPackError(
      () => loadModelPack(dir, { provider: 'cpu' }),
      ['manifest.json: outputs.features[0].name "input.9999" is not an output of model.onnx', 'input.656'],
      'GRAPH_MISMATCH',
    );
  });

  it('an internal feature that no node produces fails naming the field; the model file is untouched', async () => {
    const before = sha(await fs.readFile(modelFile));
    const dir = await variant('no-internal', (j) => (j.outputs.features[7].name = '/stage9/Add_output_0'));
    await expectPackError(
      () => loadModelPack(dir, { provider: 'cpu' }),
      ['manifest.json: outputs.features[7].name cannot be exposed from model.onnx', 'no node of the model produces "/stage9/Add_output_0"'],
      'GRAPH_MISMATCH',
    );
    assert.equal(sha(await fs.readFile(modelFile)), before);
  });

  it('a wrong input size or input name fails', async () => {
    const dir = await variant('size', (j) => (j.input.size = [512, 512]));
    await expectPackError(
      () => loadModelPack(dir, { provider: 'cpu' }),
      ['input.size does not fit model.onnx', '[1, 3, 1024, 1024]'],
      'GRAPH_MISMATCH',
    );
  });

  it('a corrupt .onnx fails with "cannot load model"', async () => {
    const dir = path.join(tmpRoot, 'corrupt-onnx');
    await fs.mkdir(dir, { recursive: true });
    const junk = randomBytes(4096);
    await fs.writeFile(path.join(dir, 'model.onnx'), junk);
    const j = await readJson(MEDIUM_MANIFEST);
    j.model = { file: 'model.onnx', sha256: sha(junk), bytes: junk.length };
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(j));
    const e = await expectPackError(() => loadModelPack(dir, { provider: 'auto' }), [/^cannot load model .*model\.onnx: /], 'MODEL_LOAD');
    assert.match(e.message, /Protobuf parsing failed|failed/i);
  });
});
