// Unit tests of the service's building blocks that need no model: argument validation, the path
// policy, prompt rasterisation, export file names and encoding, and the project file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join, sep } from 'node:path';
import sharp from 'sharp';
import type { ReferencePrompt, ShootSettings } from '../../src/shared/contract';
import * as v from '../../src/service/validate';
import { PathPolicy, PathRejected } from '../../src/service/paths';
import { EmptyPromptError, toEngineCorrection, toEnginePrompt } from '../../src/service/prompt-raster';
import { encodeExport, exportFileName } from '../../src/service/export-writer';
import { PROJECT_FORMAT, PROJECT_VERSION, ProjectFileError, readProjectFile, writeProjectFile } from '../../src/service/project-file';

let tmp: string;
before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-service-unit-')));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** Asserts that fn throws an InvalidArgument whose message starts with the field name and matches `why`. */
function rejects(fn: () => unknown, field: string, why: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof v.InvalidArgument, `expected InvalidArgument, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${field}:`), `message should name ${field}: ${e.message}`);
    assert.match(e.message, why);
    return true;
  });
}

const brush = (points: unknown, extra: Record<string, unknown> = {}) => ({ kind: 'brush', mode: 'add', size: 10, points, ...extra });
const spec = (shape: unknown) => [{ photoId: 'p1', prompt: { shapes: [shape] } }];
const exportOpts = (extra: Record<string, unknown> = {}) => ({
  outDir: '/tmp/out',
  format: 'alpha-png',
  bitDepth: 8,
  nameTemplate: '{name}',
  ...extra,
});

describe('validate', () => {
  it('strArray: non-lists and non-strings are rejected with the field named', () => {
    rejects(() => v.strArray('a.jpg', 'paths'), 'paths', /must be a list/);
    rejects(() => v.strArray({ 0: 'a' }, 'paths'), 'paths', /must be a list/);
    rejects(() => v.strArray(['a', 3], 'paths'), 'paths[1]', /must be a string/);
    assert.deepEqual(v.strArray(['a', 'b'], 'paths'), ['a', 'b']);
  });

  it('reference specs: non-list, missing prompt, bad shapes', () => {
    rejects(() => v.referenceSpecs({ photoId: 'p1' }), 'references', /must be a list/);
    rejects(() => v.referenceSpecs([{ photoId: 'p1' }]), 'references[0].prompt', /must be an object/);
    rejects(() => v.referenceSpecs([{ photoId: 7, prompt: { shapes: [] } }]), 'references[0].photoId', /must be a string/);
    rejects(() => v.referenceSpecs([{ photoId: 'p1', prompt: { shapes: 'x' } }]), 'references[0].prompt.shapes', /must be a list/);
    rejects(
      () => v.referenceSpecs(spec({ kind: 'circle', x: 1, y: 2 })),
      'references[0].prompt.shapes[0].kind',
      /must be one of brush, lasso, box, point/,
    );
    rejects(
      () => v.referenceSpecs(spec(brush([[1, 2]], { mode: 'paint' }))),
      'references[0].prompt.shapes[0].mode',
      /must be one of add, erase/,
    );
    rejects(
      () => v.referenceSpecs([{ photoId: 'p1', prompt: { shapes: [], brushMeans: 'blob' } }]),
      'references[0].prompt.brushMeans',
      /must be one of mask, scribble/,
    );
  });

  it('reference specs: NaN / infinite / huge coordinates and malformed points', () => {
    rejects(
      () =>
        v.referenceSpecs(
          spec(
            brush([
              [1, 2],
              [NaN, 3],
            ]),
          ),
        ),
      'references[0].prompt.shapes[0].points[1][0]',
      /finite number/,
    );
    rejects(() => v.referenceSpecs(spec(brush([[1, Infinity]]))), 'references[0].prompt.shapes[0].points[0][1]', /finite number/);
    rejects(() => v.referenceSpecs(spec(brush([[1, '2']]))), 'references[0].prompt.shapes[0].points[0][1]', /finite number/);
    rejects(() => v.referenceSpecs(spec(brush([[1, 2e7]]))), 'references[0].prompt.shapes[0].points[0][1]', /within/);
    rejects(() => v.referenceSpecs(spec(brush([[1, 2, 3]]))), 'references[0].prompt.shapes[0].points[0]', /\[x, y\]/);
    rejects(() => v.referenceSpecs(spec(brush([]))), 'references[0].prompt.shapes[0].points', /non-empty list/);
    rejects(() => v.referenceSpecs(spec(brush([[1, 2]], { size: 0 }))), 'references[0].prompt.shapes[0].size', /within/);
    rejects(
      () => v.referenceSpecs(spec({ kind: 'box', x0: 0, y0: NaN, x1: 5, y1: 5 })),
      'references[0].prompt.shapes[0].y0',
      /finite number/,
    );
    rejects(() => v.referenceSpecs(spec({ kind: 'point', x: 3 })), 'references[0].prompt.shapes[0].y', /finite number/);
  });

  it('reference specs: a valid prompt comes back normalised (extra keys dropped, brushMeans defaulted)', () => {
    const out = v.referenceSpecs([
      {
        photoId: 'p1',
        prompt: {
          shapes: [
            { ...brush([[1, 2]]), evil: '<script>' },
            { kind: 'box', x0: 1, y0: 2, x1: 3, y1: 4 },
          ],
        },
      },
    ]);
    assert.deepEqual(out, [
      {
        photoId: 'p1',
        prompt: {
          shapes: [
            { kind: 'brush', mode: 'add', size: 10, points: [[1, 2]] },
            { kind: 'box', x0: 1, y0: 2, x1: 3, y1: 4 },
          ],
          brushMeans: 'mask',
        },
      },
    ]);
  });

  it('corrections: null clears; bad modes, non-lists and NaN are rejected', () => {
    assert.equal(v.correction(null), null);
    rejects(() => v.correction({ strokes: {} }), 'correction.strokes', /must be a list/);
    rejects(() => v.correction([]), 'correction', /must be an object/);
    rejects(
      () => v.correction({ strokes: [{ mode: 'erase', size: 5, points: [[1, 1]] }] }),
      'correction.strokes[0].mode',
      /must be one of add, remove/,
    );
    rejects(
      () => v.correction({ strokes: [{ mode: 'remove', size: 5, points: [[1, NaN]] }] }),
      'correction.strokes[0].points[0][1]',
      /finite number/,
    );
    assert.deepEqual(v.correction({ strokes: [{ mode: 'remove', size: 5, points: [[1, 1]] }] }), {
      strokes: [{ mode: 'remove', size: 5, points: [[1, 1]] }],
    });
  });

  it('export options: format, bit depth, 16-bit WebP, background', () => {
    rejects(() => v.exportOptions('x'), 'options', /must be an object/);
    rejects(() => v.exportOptions(exportOpts({ format: 'cutout-jpeg' })), 'options.format', /must be one of alpha-png/);
    rejects(() => v.exportOptions(exportOpts({ bitDepth: 12 })), 'options.bitDepth', /8 or 16/);
    rejects(() => v.exportOptions(exportOpts({ format: 'cutout-webp', bitDepth: 16 })), 'options.bitDepth', /WebP has no 16-bit/);
    rejects(() => v.exportOptions(exportOpts({ background: 'red' })), 'options.background', /colour like #ffffff/);
    rejects(() => v.exportOptions(exportOpts({ background: '#12345g' })), 'options.background', /colour/);
    rejects(() => v.exportOptions(exportOpts({ outDir: undefined })), 'options.outDir', /must be a string/);
    rejects(() => v.exportOptions(exportOpts({ photoIds: 'abc' })), 'options.photoIds', /must be a list/);
    const ok = v.exportOptions(exportOpts({ format: 'cutout-webp', bitDepth: 8, background: '#00FF00', overwrite: 'yes' }));
    assert.equal(ok.format, 'cutout-webp');
    assert.equal(ok.background, '#00FF00');
    assert.equal(ok.overwrite, false, 'only a literal true overwrites');
  });

  it('approvals and export scope: known words only; undecided is null; the scope defaults to ready', () => {
    assert.equal(v.approval('approved'), 'approved');
    assert.equal(v.approval(null), null);
    rejects(() => v.approval('yes'), 'approval', /must be one of approved, excluded/);
    rejects(() => v.approval(1, 'photos[0].approval'), 'photos[0].approval', /must be one of/);
    assert.equal(v.exportOptions(exportOpts()).scope, 'ready');
    assert.equal(v.exportOptions(exportOpts({ scope: 'all' })).scope, 'all');
    rejects(() => v.exportOptions(exportOpts({ scope: 'approved' })), 'options.scope', /must be one of ready, all/);
  });

  it('export options: templates with path parts or without {name}/{index} are rejected', () => {
    for (const t of [
      '{name}/x',
      '../{name}',
      '..{name}',
      '.{name}',
      '..\\{name}',
      'a/../{name}',
      '{name}:x',
      '{name}\u0000',
      '{nom}{index}',
      '',
    ]) {
      rejects(() => v.exportOptions(exportOpts({ nameTemplate: t })), 'options.nameTemplate', /may contain/);
    }
    rejects(() => v.exportOptions(exportOpts({ nameTemplate: '{format}' })), 'options.nameTemplate', /must contain \{name\} or \{index\}/);
    rejects(() => v.exportOptions(exportOpts({ nameTemplate: 'matte' })), 'options.nameTemplate', /must contain \{name\} or \{index\}/);
    assert.equal(
      v.exportOptions(exportOpts({ nameTemplate: 'shoot_{index} ({name}) {format}' })).nameTemplate,
      'shoot_{index} ({name}) {format}',
    );
    assert.equal(v.exportOptions(exportOpts({ nameTemplate: undefined })).nameTemplate, '{name}');
  });
});

describe('PathPolicy', () => {
  let root: string;
  let outside: string;
  before(async () => {
    root = join(tmp, 'root');
    outside = join(tmp, 'outside');
    await fsp.mkdir(join(root, 'shoot'), { recursive: true });
    await fsp.mkdir(outside, { recursive: true });
    await fsp.writeFile(join(root, 'shoot', 'a.jpg'), 'x');
    await fsp.writeFile(join(outside, 'secret.jpg'), 'x');
    await fsp.symlink(outside, join(root, 'escape'));
    await fsp.symlink(join(root, 'shoot'), join(root, 'alias'));
  });

  const rejected = async (policy: PathPolicy, p: unknown, why: RegExp) => {
    await assert.rejects(policy.check(p, 'import'), (e: unknown) => {
      assert.ok(e instanceof PathRejected, String(e));
      assert.ok(e.message.startsWith('import:'), e.message);
      assert.match(e.message, why);
      return true;
    });
  };

  it('rejects empty, non-string, NUL and relative paths (even without roots)', async () => {
    const open = new PathPolicy();
    await rejected(open, '', /path is required/);
    await rejected(open, 42, /path is required/);
    await rejected(open, join(root, 'shoot', 'a.jpg\0.png'), /invalid path/);
    await rejected(open, 'shoot/a.jpg', /not an absolute path/);
    await rejected(open, `..${sep}outside`, /not an absolute path/);
    assert.equal(await open.check(join(outside, 'secret.jpg'), 'import'), join(outside, 'secret.jpg'), 'no roots = any absolute path');
  });

  it('accepts paths inside a root (existing or not, normalised)', async () => {
    const policy = new PathPolicy([root]);
    assert.equal(await policy.check(join(root, 'shoot', 'a.jpg'), 'import'), join(root, 'shoot', 'a.jpg'));
    assert.equal(await policy.check(`${root}${sep}shoot${sep}..${sep}shoot${sep}a.jpg`, 'import'), join(root, 'shoot', 'a.jpg'));
    assert.equal(await policy.check(join(root, 'new', 'deeper', 'out'), 'import'), join(root, 'new', 'deeper', 'out'));
    assert.equal(await policy.check(root, 'import'), root);
    // a symlink that stays inside the root is fine
    assert.equal(await policy.check(join(root, 'alias', 'a.jpg'), 'import'), join(root, 'alias', 'a.jpg'));
  });

  it('rejects paths outside the roots, by .. or by a sibling with the same prefix', async () => {
    const policy = new PathPolicy([root]);
    await rejected(policy, join(outside, 'secret.jpg'), /outside the folders/);
    await rejected(policy, `${root}${sep}..${sep}outside${sep}secret.jpg`, /outside the folders/);
    await fsp.mkdir(`${root}-sibling`, { recursive: true });
    await rejected(policy, join(`${root}-sibling`, 'x.jpg'), /outside the folders/);
    await rejected(policy, '/etc/passwd', /outside the folders/);
  });

  it('rejects a symlink inside a root that points outside it (existing file, new file, new folders)', async () => {
    const policy = new PathPolicy([root]);
    await rejected(policy, join(root, 'escape', 'secret.jpg'), /outside the folders/);
    await rejected(policy, join(root, 'escape'), /outside the folders/);
    await rejected(policy, join(root, 'escape', 'new.png'), /outside the folders/);
    await rejected(policy, join(root, 'escape', 'new', 'deeper', 'out'), /outside the folders/);
  });

  it('a root that is itself a symlink still admits its own contents', async () => {
    const link = join(tmp, 'root-link');
    await fsp.symlink(root, link);
    const policy = new PathPolicy([link]);
    assert.equal(await policy.check(join(link, 'shoot', 'a.jpg'), 'import'), join(link, 'shoot', 'a.jpg'));
    await rejected(policy, join(link, 'escape', 'secret.jpg'), /outside the folders/);
    policy.allow(outside);
    assert.equal(await policy.check(join(outside, 'secret.jpg'), 'import'), join(outside, 'secret.jpg'), 'allow() adds a root');
  });
});

describe('prompt-raster', () => {
  const W = 100;
  const H = 50;
  const at = (mask: Uint8Array, x: number, y: number) => mask[y * W + x];
  const prompt = (shapes: ReferencePrompt['shapes'], brushMeans: ReferencePrompt['brushMeans'] = 'mask'): ReferencePrompt => ({
    shapes,
    brushMeans,
  });

  it('a brush stroke then an eraser stroke: painted pixels in, erased pixels out', async () => {
    const p = await toEnginePrompt(
      prompt([
        {
          kind: 'brush',
          mode: 'add',
          size: 20,
          points: [
            [10, 25],
            [90, 25],
          ],
        },
        { kind: 'brush', mode: 'erase', size: 20, points: [[50, 25]] },
      ]),
      W,
      H,
    );
    assert.equal(p.kind, 'mask');
    if (p.kind !== 'mask') return;
    assert.equal(p.mask.length, W * H);
    assert.equal(at(p.mask, 20, 25), 255, 'on the stroke');
    assert.equal(at(p.mask, 80, 30), 255, 'on the stroke');
    assert.equal(at(p.mask, 50, 25), 0, 'erased');
    assert.equal(at(p.mask, 50, 20), 0, 'erased');
    assert.equal(at(p.mask, 20, 5), 0, 'above the stroke');
    assert.equal(at(p.mask, 20, 45), 0, 'below the stroke');
    const on = p.mask.filter((x) => x >= 128).length;
    // stroke ≈ 80×20 + two round caps − the erased disc (π·10²)
    assert.ok(on > 1300 && on < 1900, `painted area ${on}`);
  });

  it('later shapes win: an add after an erase paints again', async () => {
    const p = await toEnginePrompt(
      prompt([
        { kind: 'brush', mode: 'erase', size: 20, points: [[50, 25]] },
        { kind: 'brush', mode: 'add', size: 6, points: [[50, 25]] },
      ]),
      W,
      H,
    );
    assert.equal(p.kind, 'mask');
    if (p.kind === 'mask') assert.equal(at(p.mask, 50, 25), 255);
  });

  it('a lasso is filled; a scribble keeps its kind', async () => {
    const p = await toEnginePrompt(
      prompt(
        [
          {
            kind: 'lasso',
            mode: 'add',
            points: [
              [10, 10],
              [60, 10],
              [60, 40],
              [10, 40],
            ],
          },
        ],
        'scribble',
      ),
      W,
      H,
    );
    assert.equal(p.kind, 'scribble');
    if (p.kind !== 'scribble') return;
    assert.equal(at(p.mask, 35, 25), 255, 'interior');
    assert.equal(at(p.mask, 11, 11), 255, 'interior near the corner');
    assert.equal(at(p.mask, 70, 25), 0, 'right of it');
    assert.equal(at(p.mask, 5, 5), 0, 'outside');
    const on = p.mask.filter((x) => x >= 128).length;
    assert.ok(Math.abs(on - 50 * 30) <= 100, `filled area ${on}`);
  });

  it('an erase lasso cuts a hole', async () => {
    const p = await toEnginePrompt(
      prompt([
        {
          kind: 'lasso',
          mode: 'add',
          points: [
            [0, 0],
            [100, 0],
            [100, 50],
            [0, 50],
          ],
        },
        {
          kind: 'lasso',
          mode: 'erase',
          points: [
            [40, 10],
            [60, 10],
            [60, 40],
            [40, 40],
          ],
        },
      ]),
      W,
      H,
    );
    assert.equal(p.kind, 'mask');
    if (p.kind !== 'mask') return;
    assert.equal(at(p.mask, 50, 25), 0);
    assert.equal(at(p.mask, 20, 25), 255);
  });

  it('only erasing, or erasing everything painted, is an empty prompt', async () => {
    await assert.rejects(
      toEnginePrompt(
        prompt([
          {
            kind: 'brush',
            mode: 'erase',
            size: 10,
            points: [
              [5, 5],
              [50, 5],
            ],
          },
        ]),
        W,
        H,
      ),
      EmptyPromptError,
    );
    await assert.rejects(
      toEnginePrompt(
        prompt([
          {
            kind: 'lasso',
            mode: 'erase',
            points: [
              [0, 0],
              [50, 0],
              [50, 50],
            ],
          },
        ]),
        W,
        H,
      ),
      EmptyPromptError,
    );
    await assert.rejects(
      toEnginePrompt(
        prompt([
          {
            kind: 'brush',
            mode: 'add',
            size: 4,
            points: [
              [20, 20],
              [30, 20],
            ],
          },
          { kind: 'brush', mode: 'erase', size: 30, points: [[25, 20]] },
        ]),
        W,
        H,
      ),
      (e: unknown) => e instanceof EmptyPromptError && /erased/.test(e.message),
    );
    await assert.rejects(toEnginePrompt(prompt([]), W, H), EmptyPromptError);
    await assert.rejects(
      toEnginePrompt(prompt([{ kind: 'point', x: 150, y: 10 }]), W, H),
      EmptyPromptError,
      'a point outside the image is no prompt',
    );
  });

  it('box only → box prompt, normalised and clamped to the image (the last box wins)', async () => {
    assert.deepEqual(
      await toEnginePrompt(
        prompt([
          { kind: 'box', x0: 10, y0: 5, x1: 30, y1: 20 },
          { kind: 'box', x0: 120, y0: 40, x1: -10, y1: 2 },
        ]),
        W,
        H,
      ),
      { kind: 'box', box: [0, 2, 100, 40] },
    );
    assert.deepEqual(
      await toEnginePrompt(
        prompt([
          { kind: 'box', x0: 10, y0: 5, x1: 30, y1: 20 },
          { kind: 'point', x: 1, y: 1 },
        ]),
        W,
        H,
      ),
      { kind: 'box', box: [10, 5, 30, 20] },
      'a box beats points',
    );
    await assert.rejects(
      toEnginePrompt(prompt([{ kind: 'box', x0: 200, y0: 5, x1: 300, y1: 20 }]), W, H),
      EmptyPromptError,
      'a box fully outside is empty',
    );
  });

  it('points only → points prompt (points outside the image dropped); painting beats boxes and points', async () => {
    assert.deepEqual(
      await toEnginePrompt(
        prompt([
          { kind: 'point', x: 10, y: 20 },
          { kind: 'point', x: 100, y: 20 },
          { kind: 'point', x: 99.5, y: 49 },
          { kind: 'point', x: -1, y: 3 },
        ]),
        W,
        H,
      ),
      {
        kind: 'points',
        points: [
          [10, 20],
          [99.5, 49],
        ],
      },
    );
    const p = await toEnginePrompt(
      prompt([
        { kind: 'point', x: 10, y: 20 },
        { kind: 'box', x0: 0, y0: 0, x1: 5, y1: 5 },
        { kind: 'brush', mode: 'add', size: 4, points: [[50, 25]] },
      ]),
      W,
      H,
    );
    assert.equal(p.kind, 'mask');
  });

  it('correction masks have the target size, one per mode used', async () => {
    const c = await toEngineCorrection(
      {
        strokes: [
          {
            mode: 'remove',
            size: 10,
            points: [
              [10, 10],
              [40, 10],
            ],
          },
          { mode: 'remove', size: 4, points: [[70, 40]] },
        ],
      },
      W,
      H,
    );
    assert.equal(c.add, null);
    assert.ok(c.remove);
    assert.equal(c.remove.length, W * H);
    assert.equal(at(c.remove, 25, 10), 255);
    assert.equal(at(c.remove, 70, 40), 255);
    assert.equal(at(c.remove, 25, 30), 0);
    const both = await toEngineCorrection(
      {
        strokes: [
          { mode: 'add', size: 6, points: [[5, 5]] },
          { mode: 'remove', size: 6, points: [[90, 40]] },
        ],
      },
      37,
      23,
    );
    assert.equal(both.add?.length, 37 * 23);
    assert.equal(both.remove?.length, 37 * 23);
  });
});

describe('export-writer', () => {
  it('exportFileName: tokens, zero padding by count, extension per format', () => {
    assert.equal(exportFileName('{name}', 'IMG_0001.JPG', 0, 2, 'alpha-png'), 'IMG_0001.png');
    assert.equal(exportFileName('{index}-{name}', 'a.jpg', 0, 5, 'cutout-png'), '001-a.png');
    assert.equal(exportFileName('{index}-{name}', 'a.jpg', 41, 999, 'cutout-tiff'), '042-a.tif');
    assert.equal(exportFileName('{index}', 'a.jpg', 6, 1234, 'cutout-webp'), '0007.webp');
    assert.equal(exportFileName('{name}_{format}_{name}', 'shot.tar.jpeg', 0, 1, 'cutout-webp'), 'shot.tar_cutout-webp_shot.tar.webp');
  });

  it('exportFileName: names from the file system are made plain file names', () => {
    assert.equal(exportFileName('{name}', 'a:b*c?"d<e>f|g.jpg', 0, 1, 'alpha-png'), 'a_b_c__d_e_f_g.png');
    assert.equal(exportFileName('{name}', 'ta\tb\u0001.jpg', 0, 1, 'alpha-png'), 'ta_b_.png');
    assert.equal(exportFileName('{name}', '..hidden.jpg', 0, 1, 'alpha-png'), '_hidden.png');
    assert.equal(exportFileName('{name}', '   .jpg', 2, 3, 'alpha-png'), 'photo-3.png');
    for (const n of ['../../etc/x.jpg', 'a\\..\\b.jpg', 'a/b.jpg']) {
      const out = exportFileName('{name}', n, 0, 1, 'cutout-png');
      assert.ok(!out.includes('/') && !out.includes('\\') && !out.startsWith('.'), `${n} → ${out}`);
    }
  });

  describe('encodeExport', () => {
    const W = 6;
    const H = 4;
    // alpha per column: 0, 64, 128, 200, 255, 255
    const ALPHA_COLS = [0, 64, 128, 200, 255, 255];
    let original: string;
    let rgb: Buffer;
    let alphaPng: Buffer;
    const alphaAt = (i: number) => ALPHA_COLS[i % W];

    before(async () => {
      rgb = Buffer.alloc(W * H * 3);
      for (let i = 0; i < W * H; i++) {
        rgb[3 * i] = (i * 37 + 11) & 255;
        rgb[3 * i + 1] = (i * 91 + 3) & 255;
        rgb[3 * i + 2] = (i * 53 + 200) & 255;
      }
      original = join(tmp, 'orig.png');
      await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toFile(original);
      const a = Buffer.alloc(W * H);
      for (let i = 0; i < W * H; i++) a[i] = alphaAt(i);
      alphaPng = await sharp(a, { raw: { width: W, height: H, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer();
    });

    /** Raw pixels at the file's own depth and channel count (sharp would otherwise convert to 8-bit sRGB). */
    const decode = async (buf: Buffer, depth: 'uchar' | 'ushort') => {
      const m = await sharp(buf).metadata();
      const grey = (m.channels ?? 0) <= 2;
      const space = depth === 'ushort' ? (grey ? 'grey16' : 'rgb16') : grey ? 'b-w' : 'srgb';
      const r = await sharp(buf).toColourspace(space).raw({ depth }).toBuffer({ resolveWithObject: true });
      assert.equal(r.info.channels, m.channels, 'decoded channel count');
      const data = depth === 'ushort' ? new Uint16Array(r.data.buffer, r.data.byteOffset, r.data.length / 2) : new Uint8Array(r.data);
      return { data, info: r.info, meta: await sharp(buf).metadata() };
    };

    it('alpha-png 8-bit: one grey channel, values as given', async () => {
      const out = await encodeExport(original, alphaPng, { format: 'alpha-png', bitDepth: 8 });
      const d = await decode(out, 'uchar');
      assert.equal(d.meta.format, 'png');
      assert.equal(d.meta.channels, 1);
      assert.equal(d.meta.depth, 'uchar');
      assert.deepEqual([d.info.width, d.info.height], [W, H]);
      assert.deepEqual(
        [...d.data],
        Array.from({ length: W * H }, (_, i) => alphaAt(i)),
      );
    });

    it('alpha-png 16-bit: one grey channel, 255 → 65535 (×257)', async () => {
      const out = await encodeExport(original, alphaPng, { format: 'alpha-png', bitDepth: 16 });
      const d = await decode(out, 'ushort');
      assert.equal(d.meta.channels, 1);
      assert.equal(d.meta.depth, 'ushort');
      assert.deepEqual(
        [...d.data],
        Array.from({ length: W * H }, (_, i) => alphaAt(i) * 257),
      );
      assert.equal(d.data[4], 65535);
    });

    for (const [format, bitDepth, fmt] of [
      ['cutout-png', 8, 'png'],
      ['cutout-png', 16, 'png'],
      ['cutout-tiff', 8, 'tiff'],
      ['cutout-tiff', 16, 'tiff'],
      ['cutout-webp', 8, 'webp'],
    ] as const) {
      it(`${format} ${bitDepth}-bit: RGBA, colour pixel-exact where opaque, alpha as given`, async () => {
        const out = await encodeExport(original, alphaPng, { format, bitDepth });
        const depth = bitDepth === 16 ? 'ushort' : 'uchar';
        const scale = bitDepth === 16 ? 257 : 1;
        const d = await decode(out, depth);
        assert.equal(d.meta.format, fmt);
        assert.equal(d.meta.channels, 4);
        assert.equal(d.meta.depth, depth);
        assert.deepEqual([d.info.width, d.info.height], [W, H]);
        let opaque = 0;
        for (let i = 0; i < W * H; i++) {
          assert.equal(d.data[4 * i + 3], alphaAt(i) * scale, `alpha at ${i}`);
          if (alphaAt(i) !== 255) continue;
          opaque++;
          for (let k = 0; k < 3; k++) assert.equal(d.data[4 * i + k], rgb[3 * i + k] * scale, `channel ${k} at ${i}`);
        }
        assert.equal(opaque, 2 * H);
      });
    }

    it('a 16-bit original keeps its full precision in a 16-bit cutout (and is reduced for an 8-bit one)', async () => {
      const rgb16 = new Uint16Array(W * H * 3);
      for (let i = 0; i < rgb16.length; i++) rgb16[i] = (i * 2741 + 12345) & 0xffff;
      const orig16 = join(tmp, 'orig16.png');
      await sharp(rgb16, { raw: { width: W, height: H, channels: 3 } })
        .toColourspace('rgb16')
        .png()
        .toFile(orig16);
      assert.equal((await sharp(orig16).metadata()).depth, 'ushort');
      const d16 = await decode(await encodeExport(orig16, alphaPng, { format: 'cutout-tiff', bitDepth: 16 }), 'ushort');
      const d8 = await decode(await encodeExport(orig16, alphaPng, { format: 'cutout-png', bitDepth: 8 }), 'uchar');
      for (let i = 0; i < W * H; i++) {
        assert.equal(d16.data[4 * i + 3], alphaAt(i) * 257);
        if (alphaAt(i) !== 255) continue;
        for (let k = 0; k < 3; k++) {
          assert.equal(d16.data[4 * i + k], rgb16[3 * i + k], `16-bit channel ${k} at ${i}`);
          assert.ok(
            Math.abs(d8.data[4 * i + k] - rgb16[3 * i + k] / 257) <= 1,
            `8-bit channel ${k} at ${i}: ${d8.data[4 * i + k]} vs ${rgb16[3 * i + k] / 257}`,
          );
        }
      }
    });

    it('a solid background flattens to RGB: opaque = photo, transparent = background, between = blend (of the photo without decontamination)', async () => {
      const out = await encodeExport(original, alphaPng, {
        format: 'cutout-png',
        bitDepth: 8,
        background: '#00ff00',
        decontaminate: false,
      });
      const d = await decode(out, 'uchar');
      assert.equal(d.meta.channels, 3);
      assert.equal(d.meta.hasAlpha, false);
      for (let i = 0; i < W * H; i++) {
        const a = alphaAt(i) / 255;
        const bg = [0, 255, 0];
        for (let k = 0; k < 3; k++) {
          const want = rgb[3 * i + k] * a + bg[k] * (1 - a);
          assert.ok(Math.abs(d.data[3 * i + k] - want) <= 1.01, `pixel ${i} channel ${k}: ${d.data[3 * i + k]} vs ${want}`);
        }
      }
      assert.deepEqual([...d.data.slice(0, 3)], [0, 255, 0], 'alpha 0 → the background colour');
    });

    it('decontaminated (the default) on a background: opaque = photo, transparent = background, between = the estimated colour', async () => {
      const out = await encodeExport(original, alphaPng, { format: 'cutout-png', bitDepth: 8, background: '#00ff00' });
      const plain = await encodeExport(original, alphaPng, {
        format: 'cutout-png',
        bitDepth: 8,
        background: '#00ff00',
        decontaminate: false,
      });
      const d = await decode(out, 'uchar');
      const p = await decode(plain, 'uchar');
      let differs = 0;
      for (let i = 0; i < W * H; i++) {
        const a = alphaAt(i);
        for (let k = 0; k < 3; k++) {
          if (a === 255) assert.equal(d.data[3 * i + k], rgb[3 * i + k], `opaque pixel ${i}`);
          if (a === 0) assert.equal(d.data[3 * i + k], [0, 255, 0][k], `transparent pixel ${i}`);
          if (a > 0 && a < 255 && d.data[3 * i + k] !== p.data[3 * i + k]) differs++;
        }
      }
      assert.ok(differs > 0, 'the soft pixels carry the estimated colour, not the photo');
    });

    it('a photo that no longer matches its matte is an error, not a misaligned file', async () => {
      const other = join(tmp, 'other.png');
      await sharp({ create: { width: W + 1, height: H, channels: 3, background: '#808080' } })
        .png()
        .toFile(other);
      await assert.rejects(encodeExport(other, alphaPng, { format: 'cutout-png', bitDepth: 8 }), /no longer matches its matte/);
    });
  });
});

describe('project-file', () => {
  const SETTINGS: ShootSettings = {
    pack: 'medium',
    exportDefaults: { format: 'alpha-png', bitDepth: 8, nameTemplate: '{name}', overwrite: false },
  };
  let projDir: string;
  before(async () => {
    projDir = join(tmp, 'projects', 'a', 'b', 'c');
    await fsp.mkdir(projDir, { recursive: true });
  });

  it('round-trips photos, corrections, references and settings; paths below the project folder are stored relative', async () => {
    const proj = join(projDir, 'shoot.icmproj');
    const below = join(projDir, 'photos', 'IMG 1.jpg');
    const near = join(tmp, 'projects', 'a', 'b', 'near.jpg'); // one level up: still relative
    const far = join(tmp, 'elsewhere', 'far.jpg'); // climbs out of the projects tree: absolute
    const data = {
      photos: [
        { path: below, correction: null, approval: 'approved' as const },
        {
          path: near,
          correction: {
            strokes: [
              {
                mode: 'remove' as const,
                size: 12,
                points: [
                  [1, 2],
                  [3.5, 4],
                ] as [number, number][],
              },
            ],
          },
        },
        { path: far, correction: null, approval: 'excluded' as const },
      ],
      references: [
        {
          photo: 0,
          prompt: {
            shapes: [
              {
                kind: 'lasso' as const,
                mode: 'add' as const,
                points: [
                  [1, 1],
                  [9, 1],
                  [9, 9],
                ] as [number, number][],
              },
            ],
            brushMeans: 'mask' as const,
          },
        },
      ],
      settings: {
        pack: 'small' as const,
        exportDefaults: {
          format: 'cutout-tiff' as const,
          bitDepth: 16 as const,
          nameTemplate: '{index}-{name}',
          overwrite: true,
          outDir: '/x',
        },
      },
    };
    const savedAt = await writeProjectFile(proj, data);
    assert.ok(!Number.isNaN(Date.parse(savedAt)));
    const raw = JSON.parse(await fsp.readFile(proj, 'utf8'));
    assert.equal(raw.format, PROJECT_FORMAT);
    assert.equal(raw.version, PROJECT_VERSION);
    assert.deepEqual(
      raw.photos.map((p: { path: string }) => p.path),
      ['photos/IMG 1.jpg', '../near.jpg', far],
    );
    assert.deepEqual(await readProjectFile(proj, SETTINGS), data);
    assert.deepEqual(
      raw.photos.map((p: { approval?: string }) => p.approval ?? null),
      ['approved', null, 'excluded'],
      'an undecided photo has no approval key',
    );
    // An approval the app does not know makes the file invalid, naming the field.
    raw.photos[1].approval = 'maybe';
    await fsp.writeFile(proj, JSON.stringify(raw));
    await assert.rejects(
      readProjectFile(proj, SETTINGS),
      (e: Error) => e instanceof ProjectFileError && /photos\[1\]\.approval: must be one of approved, excluded/.test(e.message),
    );
    await writeProjectFile(proj, data);
    // no temp files next to the project
    assert.deepEqual(await fsp.readdir(projDir), ['shoot.icmproj']);
  });

  it('the relative paths follow the project when its folder moves', async () => {
    const src = join(tmp, 'moving');
    await fsp.mkdir(join(src, 'photos'), { recursive: true });
    await writeProjectFile(join(src, 'p.icmproj'), {
      photos: [{ path: join(src, 'photos', 'x.jpg'), correction: null }],
      references: [],
      settings: SETTINGS,
    });
    await fsp.rename(src, join(tmp, 'moved'));
    const back = await readProjectFile(join(tmp, 'moved', 'p.icmproj'), SETTINGS);
    assert.equal(back.photos[0].path, join(tmp, 'moved', 'photos', 'x.jpg'));
  });

  const bad = async (name: string, body: string | null, why: RegExp) => {
    const file = join(projDir, name);
    if (body !== null) await fsp.writeFile(file, body);
    await assert.rejects(readProjectFile(file, SETTINGS), (e: unknown) => {
      assert.ok(e instanceof ProjectFileError, String(e));
      assert.ok(e.message.includes(file), `the message names the file: ${e.message}`);
      assert.match(e.message, why);
      return true;
    });
  };

  it('bad JSON, another format, a newer version, a missing file, bad contents → ProjectFileError naming the file', async () => {
    await bad('broken.icmproj', '{"format": "in-context-matting-project", ', /invalid JSON/);
    await bad('other.icmproj', JSON.stringify({ format: 'something-else', version: 1, photos: [] }), /not an In-Context Matting project/);
    await bad('null.icmproj', 'null', /not an In-Context Matting project/);
    await bad('newer.icmproj', JSON.stringify({ format: PROJECT_FORMAT, version: PROJECT_VERSION + 1, photos: [] }), /newer version/);
    await bad('noversion.icmproj', JSON.stringify({ format: PROJECT_FORMAT, photos: [] }), /not a valid project file/);
    await bad('missing.icmproj', null, /file not found/);
    await bad('badphotos.icmproj', JSON.stringify({ format: PROJECT_FORMAT, version: 1, photos: 'x' }), /photos: must be a list/);
    await bad(
      'badref.icmproj',
      JSON.stringify({
        format: PROJECT_FORMAT,
        version: 1,
        photos: [{ path: 'a.jpg' }],
        references: [{ photo: 3, prompt: { shapes: [] } }],
      }),
      /references\[0\]\.photo/,
    );
    await bad(
      'badcorr.icmproj',
      JSON.stringify({
        format: PROJECT_FORMAT,
        version: 1,
        photos: [{ path: 'a.jpg', correction: { strokes: [{ mode: 'x', size: 1, points: [[0, 0]] }] } }],
      }),
      /photos\[0\]\.correction\.strokes\[0\]\.mode/,
    );
  });
});
