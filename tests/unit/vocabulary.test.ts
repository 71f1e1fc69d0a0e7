// The domain's words in one place (src/shared/vocabulary.ts): the UI's preview of export names is
// the service's rule, the validators read the same lists, and no layer writes a list out again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join, relative } from 'node:path';
import * as voc from '../../src/shared/vocabulary';
import * as v from '../../src/service/validate';
import { exportFileName as serviceFileName } from '../../src/service/export-writer';
import { isImagePath } from '../../src/service/paths';
import { isImageName } from '../../src/renderer/state/actions';

const SRC = join(import.meta.dirname, '..', '..', 'src');

describe('vocabulary', () => {
  it("the export dialog's example name is the export's own rule (the two copies used to differ for a leading dot)", async () => {
    assert.equal(serviceFileName, voc.exportFileName, 'the service writes names by the shared rule');
    const dialog = await fsp.readFile(join(SRC, 'renderer', 'components', 'ExportDialog.tsx'), 'utf8');
    assert.match(
      dialog,
      /import \{[^}]*\bexportFileName\b[^}]*\} from '..\/..\/shared\/vocabulary'/,
      'the dialog previews names with the shared rule',
    );
    assert.equal(serviceFileName('{name}', '.hidden.jpg', 0, 1, 'alpha-png'), '_hidden.png');
    assert.equal(serviceFileName('{index}-{name}', 'a.b.jpg', 41, 999, 'cutout-tiff'), '042-a.b.tif');
    assert.equal(voc.numberedName('a.png', 1), 'a.png');
    assert.equal(voc.numberedName('a.png', 3), 'a-3.png');
  });

  it('validators take exactly the listed approvals and export scopes; one rule says what the default export leaves out', () => {
    for (const a of voc.APPROVALS) assert.equal(v.approval(a), a);
    for (const scope of voc.EXPORT_SCOPES)
      assert.equal(v.exportOptions({ outDir: '/o', format: 'alpha-png', nameTemplate: '{name}', scope }).scope, scope);
    const reasons = new Set<string>();
    for (const state of ['done', 'failed', 'missing', 'new'])
      for (const approval of [null, ...voc.APPROVALS])
        for (const flagged of [false, true]) {
          const r = voc.leftOutReason({ state, approval, flagged });
          if (r) reasons.add(r);
        }
    assert.deepEqual([...reasons].sort(), [...voc.LEFT_OUT_REASONS].sort(), 'every reason can happen, and only those');
  });

  it('validators take exactly the listed formats, bit depths and pick kinds', () => {
    const base = { outDir: '/o', nameTemplate: '{name}' };
    for (const format of voc.EXPORT_FORMATS) {
      assert.equal(v.exportOptions({ ...base, format, bitDepth: 8 }).format, format);
      if (voc.EXPORT_FORMAT_INFO[format].sixteenBit) assert.equal(v.exportOptions({ ...base, format, bitDepth: 16 }).bitDepth, 16);
      else assert.throws(() => v.exportOptions({ ...base, format, bitDepth: 16 }), /16-bit/);
    }
    assert.throws(() => v.exportOptions({ ...base, format: 'exe' }), /must be one of alpha-png, cutout-png, cutout-tiff, cutout-webp/);
    for (const t of ['{name}', '{index}', 'x {name} (1)']) assert.equal(voc.nameTemplateProblem(t), null, t);
    for (const t of ['fixed', '.{name}', '{name}/x', '{nam}']) assert.notEqual(voc.nameTemplateProblem(t), null, t);
    assert.throws(() => v.pickKind('desktop'), /must be one of images, folder/);
  });

  it('image types: the service, the UI and the list agree', () => {
    for (const ext of voc.IMAGE_EXTENSIONS) {
      for (const name of [`a${ext}`, `A${ext.toUpperCase()}`]) {
        assert.equal(isImagePath(`/x/${name}`), true, name);
        assert.equal(isImageName(name), true, name);
      }
    }
    for (const name of ['a.gif', 'a.heic', 'a.jpg.txt', 'jpg']) {
      assert.equal(isImagePath(`/x/${name}`), false, name);
      assert.equal(isImageName(name), false, name);
    }
  });

  it('packs and providers: names map to pack ids; a path or another id passes as it is', () => {
    assert.equal(voc.resolvePackArg(undefined), 'isnet-medium');
    assert.equal(voc.resolvePackArg('small'), 'isnet-small');
    assert.equal(voc.resolvePackArg('/packs/mine'), '/packs/mine');
    assert.equal(voc.isOneOf(voc.PROVIDERS, 'tpu'), false);
    assert.equal(voc.wordList(voc.PROVIDERS), 'auto, cpu, cuda or dml');
  });

  it("pickResult keeps the contract's result fields only", () => {
    const reply = {
      width: 4,
      height: 3,
      kept: 1,
      dropped: 2,
      confidence: 0.5,
      review: false,
      gridSize: 64,
      scales: [],
      timings: { backboneMs: 1, similarityMs: 1, headMs: 1, composeMs: 1, totalMs: 4 },
    };
    assert.deepEqual(Object.keys(voc.pickResult(reply)).sort(), [
      'confidence',
      'dropped',
      'gridSize',
      'kept',
      'review',
      'scales',
      'timings',
    ]);
  });

  it('no layer outside src/shared (and the engine, checked at compile time) writes the lists out again', async () => {
    const lists: Array<[string, RegExp]> = [
      ['providers', /['"]auto['"],\s*['"]cpu['"],\s*['"]cuda['"]/],
      ['export formats', /['"]alpha-png['"],\s*['"]cutout-png['"]/],
      ['image extensions', /['"]\.?jpg['"],\s*['"]\.?jpeg['"]/],
      ['error codes', /['"]invalid-argument['"]\s*\|\s*['"]not-found['"]|invalid-argument\|not-found/],
      ['pack names', /['"]medium['"]\s*\|\s*['"]small['"]/],
      ['the export file-name rule', /replaceAll\(['"]\{name\}['"]/],
    ];
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        const rel = relative(SRC, p);
        if (e.isDirectory()) {
          if (rel !== 'shared' && rel !== 'engine') await walk(p);
        } else if (/\.(ts|tsx|mjs)$/.test(e.name)) {
          const text = await fsp.readFile(p, 'utf8');
          for (const [what, re] of lists) if (re.test(text)) offenders.push(`${rel}: ${what}`);
        }
      }
    };
    await walk(SRC);
    assert.deepEqual(offenders, []);
  });
});
