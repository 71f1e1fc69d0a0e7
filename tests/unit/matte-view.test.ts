// The matte view's loupe model (src/renderer/state/matte-view.ts), Review at 100 %: the region
// the service is asked for (clamped to the photo, the viewport's size at the scale, within
// MAX_ZOOM_PIXELS), panning, stepping through the soft-edge points, colour validation, the keys.
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import {
  clampCentre,
  matteKeyCommand,
  MatteViewModel,
  panCentre,
  parseColour,
  regionSize,
  stepIndex,
  wheelMode,
  WheelSteps,
  zoomAbout,
  zoomViewFor,
  type MatteViewSnapshot,
} from '../../src/renderer/state/matte-view';
import { MAX_ZOOM_PIXELS, type Point } from '../../src/shared/contract';

const PHOTO = { width: 6000, height: 4000 };
const VIEWPORT = { width: 1200, height: 800 };
const choice = (mode: MatteViewSnapshot['mode']) => ({ mode, background: '#ffffff', decontaminate: true, show: 'cutout' as const });

describe('zoom region', () => {
  it('is the viewport divided by the scale, centred on the centre', () => {
    const z = zoomViewFor(choice(1), [3000, 2000], PHOTO, VIEWPORT)!;
    assert.deepEqual([z.left, z.top, z.width, z.height, z.scale], [2400, 1600, 1200, 800, 1]);
    const z4 = zoomViewFor(choice(4), [3000, 2000], PHOTO, VIEWPORT)!;
    assert.deepEqual([z4.left, z4.top, z4.width, z4.height, z4.scale], [2850, 1900, 300, 200, 4]);
    assert.equal(z4.background, '#ffffff');
    assert.equal(z4.decontaminate, true);
  });

  it('is none when fitted', () => {
    assert.equal(zoomViewFor(choice('fit'), [3000, 2000], PHOTO, VIEWPORT), null);
  });

  it('stays inside the photo at every border', () => {
    for (const [c, want] of [
      [
        [0, 0],
        [0, 0],
      ],
      [
        [-500, 10_000],
        [0, 4000 - 800],
      ],
      [
        [6000, 4000],
        [6000 - 1200, 4000 - 800],
      ],
      [
        [599, 399],
        [0, 0],
      ],
      [
        [601, 401],
        [1, 1],
      ],
    ] as Array<[Point, Point]>) {
      const z = zoomViewFor(choice(1), c, PHOTO, VIEWPORT)!;
      assert.deepEqual([z.left, z.top], want, `centre ${c}`);
    }
  });

  it('is no larger than the photo; a photo smaller than the viewport is shown whole', () => {
    const small = { width: 400, height: 300 };
    const z = zoomViewFor(choice(1), [10, 10], small, VIEWPORT)!;
    assert.deepEqual([z.left, z.top, z.width, z.height], [0, 0, 400, 300]);
    const z4 = zoomViewFor(choice(4), [400, 300], small, VIEWPORT)!;
    assert.deepEqual([z4.left, z4.top, z4.width, z4.height], [100, 100, 300, 200]);
  });

  it('keeps region × scale² within MAX_ZOOM_PIXELS on a huge viewport', () => {
    const huge = { width: 7680, height: 4320 }; // 33 MP of device pixels
    const s = regionSize(PHOTO, huge, 1);
    assert.ok(s.width * s.height <= MAX_ZOOM_PIXELS, `${s.width}×${s.height}`);
    assert.ok(s.width * s.height > MAX_ZOOM_PIXELS * 0.99, 'but no smaller than it needs to be');
    assert.ok(Math.abs(s.width / s.height - 6000 / 4000) < 0.01, 'keeping the aspect of the viewport (clipped by the photo)');
    // at 8:1 the region is smaller but its output is the viewport's size again: limited the same way
    const s8 = regionSize(PHOTO, huge, 8);
    assert.ok(s8.width * s8.height * 64 <= MAX_ZOOM_PIXELS, `${s8.width}×${s8.height}`);
    assert.ok(Math.abs(s8.width / s8.height - 16 / 9) < 0.01, 'the viewport’s aspect');
  });
});

describe('panning', () => {
  it('moves the photo with the pointer, by screen pixels / scale', () => {
    assert.deepEqual(panCentre([3000, 2000], 100, -40, 1, PHOTO, VIEWPORT), [2900, 2040]);
    assert.deepEqual(panCentre([3000, 2000], 100, -40, 4, PHOTO, VIEWPORT), [2975, 2010]);
  });

  it('stops at the photo’s border and stores no overshoot', () => {
    const c = panCentre([700, 500], 10_000, 10_000, 1, PHOTO, VIEWPORT);
    assert.deepEqual(c, [600, 400]);
    // one step back moves at once (nothing to undo first)
    assert.deepEqual(panCentre(c, -10, 0, 1, PHOTO, VIEWPORT), [610, 400]);
    assert.deepEqual(clampCentre([99_999, -5], { width: 1200, height: 800 }, PHOTO), [5400, 400]);
  });
});

describe('edge stepping', () => {
  it('goes through the points forwards and backwards, wrapping', () => {
    assert.equal(stepIndex(-1, 3, 1), 0);
    assert.equal(stepIndex(-1, 3, -1), 2);
    assert.equal(stepIndex(2, 3, 1), 0);
    assert.equal(stepIndex(0, 3, -1), 2);
    assert.equal(stepIndex(-1, 0, 1), -1);
  });

  it('moves the centre to the point, zooms in from the fitted view, fetches the points once per result', async () => {
    const asked: string[] = [];
    const points: Point[] = [
      [100, 200],
      [5000, 3000],
    ];
    const m = new MatteViewModel(async (id) => (asked.push(id), points));
    let emits = 0;
    m.subscribe(() => emits++);
    const photo = { id: 'p', version: 1, ...PHOTO };
    const s0 = m.getSnapshot(photo);
    assert.deepEqual(s0.centre, [3000, 2000], 'the photo’s centre at first');
    assert.equal(m.getSnapshot(photo), s0, 'stable until something changes');
    await m.stepEdge(photo, 1);
    let s = m.getSnapshot(photo);
    assert.deepEqual([s.centre, s.edgeIndex, s.mode], [[100, 200], 0, 1]);
    await m.stepEdge(photo, 1);
    await m.stepEdge(photo, 1);
    s = m.getSnapshot(photo);
    assert.deepEqual([s.centre, s.edgeIndex], [[100, 200], 0]);
    await m.stepEdge(photo, -1);
    assert.deepEqual(m.getSnapshot(photo).centre, [5000, 3000]);
    assert.deepEqual(asked, ['p']);
    // a new result has new edges: asked again, the stepping starts over
    await m.stepEdge({ ...photo, version: 2 }, 1);
    assert.deepEqual(asked, ['p', 'p']);
    assert.equal(m.getSnapshot(photo).edgeIndex, 0);
    assert.ok(emits > 0);
  });

  it('does nothing on a photo without soft edge, or when the call failed', async () => {
    const m = new MatteViewModel(async (id) => {
      if (id === 'threw') throw new Error('gone');
      return id === 'none' ? [] : undefined;
    });
    for (const id of ['none', 'failed', 'threw']) {
      const photo = { id, version: 1, ...PHOTO };
      await m.stepEdge(photo, 1);
      const s = m.getSnapshot(photo);
      assert.deepEqual([s.centre, s.edgeIndex, s.mode, s.edges], [[3000, 2000], -1, 'fit', []]);
    }
  });

  it('keeps each photo’s place; a new project forgets them', () => {
    const m = new MatteViewModel();
    const a = { id: 'a', ...PHOTO };
    m.setCentre('a', [10, 20]);
    m.setMode(4);
    assert.deepEqual(m.getSnapshot({ id: 'b', ...PHOTO }).centre, [3000, 2000]);
    assert.deepEqual(m.getSnapshot(a).centre, [10, 20]);
    assert.equal(m.getSnapshot(a).mode, 4, 'the zoom is one choice for all photos');
    m.reset();
    assert.deepEqual(m.getSnapshot(a).centre, [3000, 2000]);
  });
});

describe('background colour and keys', () => {
  it('accepts #rrggbb and #rgb, refuses anything else', () => {
    assert.equal(parseColour('#FFaa00'), '#ffaa00');
    assert.equal(parseColour(' #0f8 '), '#00ff88');
    for (const bad of ['', 'ffffff', '#ffff', '#gggggg', 'red', '#1234567', 'url(x)']) assert.equal(parseColour(bad), null, bad);
    const m = new MatteViewModel();
    const p = { id: 'p', ...PHOTO };
    assert.equal(m.setBackground('#123456'), true);
    assert.equal(m.getSnapshot(p).background, '#123456');
    assert.equal(m.setBackground('javascript:1'), false);
    assert.equal(m.getSnapshot(p).background, '#123456', 'unchanged by a bad colour');
  });

  it('maps F, 1, 2, 4, 8 and N / Shift+N; leaves modified keys alone', () => {
    assert.deepEqual(matteKeyCommand({ key: 'f' }), { kind: 'mode', mode: 'fit' });
    assert.deepEqual(matteKeyCommand({ key: '1' }), { kind: 'mode', mode: 1 });
    assert.deepEqual(matteKeyCommand({ key: '4' }), { kind: 'mode', mode: 4 });
    assert.deepEqual(matteKeyCommand({ key: '8' }), { kind: 'mode', mode: 8 });
    assert.deepEqual(matteKeyCommand({ key: 'n' }), { kind: 'edge', dir: 1 });
    assert.deepEqual(matteKeyCommand({ key: 'N', shiftKey: true }), { kind: 'edge', dir: -1 });
    assert.equal(matteKeyCommand({ key: '3' }), null);
    assert.equal(matteKeyCommand({ key: 'n', ctrlKey: true }), null);
    assert.equal(matteKeyCommand({ key: '1', metaKey: true }), null);
  });
});

describe('wheel zoom', () => {
  it('steps one scale per notch, 1:1 out to the fitted view, stopping at the ends', () => {
    assert.equal(wheelMode(1, 1), 2);
    assert.equal(wheelMode(2, 1), 4);
    assert.equal(wheelMode(8, 1), 8);
    assert.equal(wheelMode(4, -1), 2);
    assert.equal(wheelMode(1, -1), 'fit');
    assert.equal(wheelMode('fit', -1), 'fit');
  });

  it('keeps the photo pixel under the pointer under it', () => {
    // At 1:1 centred on (3000, 2000), the pointer 200 device px right and 100 up of the centre
    // is over photo pixel (3200, 1900); at 4:1 that pixel is still 200 / 100 px from the centre.
    const offset: Point = [200, -100];
    const c = zoomAbout([3000, 2000], offset, 1, 4, PHOTO, VIEWPORT);
    assert.deepEqual(c, [3200 - 200 / 4, 1900 + 100 / 4]);
    const z = zoomViewFor(choice(4), c, PHOTO, VIEWPORT)!;
    const under = [z.left + (VIEWPORT.width / 2 + offset[0]) / 4, z.top + (VIEWPORT.height / 2 + offset[1]) / 4];
    assert.deepEqual(under, [3200, 1900]);
    // Back out again: the same pixel, the old centre.
    assert.deepEqual(zoomAbout(c, offset, 4, 1, PHOTO, VIEWPORT), [3000, 2000]);
  });

  it('stays inside the photo near its corner', () => {
    const c = zoomAbout([600, 400], [-600, -400], 1, 2, PHOTO, VIEWPORT);
    const z = zoomViewFor(choice(2), c, PHOTO, VIEWPORT)!;
    assert.deepEqual([z.left, z.top], [0, 0]);
  });

  it('adds a trackpad’s small deltas up to a step, as one mouse notch; a turn starts again', () => {
    const w = new WheelSteps();
    assert.equal(w.add(-100), 1, 'a mouse notch up zooms in');
    assert.equal(w.add(100), -1);
    const steps = Array.from({ length: 10 }, () => w.add(-12));
    assert.deepEqual(
      steps.filter((d) => d !== 0),
      [1],
      'ten 12 px deltas: one step (at 100 px)',
    );
    assert.equal(w.add(-40), 0);
    assert.equal(w.add(60), 0, 'the turn dropped the 40 px the other way');
    assert.equal(w.add(3, 1), -1, 'three lines are a notch');
  });

  it('zooms and moves in one change', () => {
    const m = new MatteViewModel();
    const p = { id: 'p', ...PHOTO };
    let calls = 0;
    m.subscribe(() => calls++);
    m.zoomTo('p', 4, [100, 200]);
    assert.equal(calls, 1);
    assert.equal(m.getSnapshot(p).mode, 4);
    assert.deepEqual(m.getSnapshot(p).centre, [100, 200]);
  });
});

describe('clean edge colours', () => {
  it('follows the export setting; the photographer’s toggle holds until the setting changes', () => {
    const m = new MatteViewModel();
    const p = { id: 'p', ...PHOTO };
    m.followExport(undefined);
    assert.equal(m.getSnapshot(p).decontaminate, true, 'on by default, as the export');
    m.followExport(false);
    assert.equal(m.getSnapshot(p).decontaminate, false, 'an export without clean colours: the loupe shows the photo’s');
    m.setDecontaminate(true);
    m.followExport(false);
    assert.equal(m.getSnapshot(p).decontaminate, true, 'the same setting again does not undo the toggle');
    m.followExport(true);
    m.followExport(false);
    assert.equal(m.getSnapshot(p).decontaminate, false);
  });
});

describe('colour picker', () => {
  it('shows the picked colour at once and asks for one view once it has settled', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const m = new MatteViewModel(undefined, 150);
      const p = { id: 'p', ...PHOTO };
      const z = () => zoomViewFor({ ...m.getSnapshot(p), mode: 1 }, [3000, 2000], PHOTO, VIEWPORT)!;
      for (const c of ['#100000', '#200000', '#300000', '#400000']) {
        assert.equal(m.pickBackground(c), true);
        mock.timers.tick(50);
        assert.equal(m.getSnapshot(p).pickedColour, c, 'the picker shows what is picked');
        assert.equal(z().background, '#ffffff', 'no view asked for while the colour moves');
      }
      mock.timers.tick(150);
      assert.equal(z().background, '#400000', 'the last colour, once settled');
      assert.equal(m.getSnapshot(p).pickedColour, null);
      assert.equal(m.pickBackground('not a colour'), false);
      // A swatch clicked while a colour is being picked wins, and the pending colour is dropped.
      m.pickBackground('#00ff00');
      m.setBackground('#000000');
      mock.timers.tick(500);
      assert.equal(z().background, '#000000');
      assert.equal(m.getSnapshot(p).pickedColour, null);
    } finally {
      mock.timers.reset();
    }
  });
});
