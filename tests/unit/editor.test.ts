// The reference editor's model (src/renderer/state/editor.ts): prompt history, tool, brush size
// and zoom per reference, kept while the editor component comes and goes; the keyboard map.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EditorModel, keyCommand, MAX_HISTORY, type ViewTransform } from '../../src/renderer/state/editor';
import type { PromptShape, ReferencePrompt } from '../../src/shared/contract';

const EMPTY: ReferencePrompt = { shapes: [], brushMeans: 'mask' };
const PHOTO = { width: 1000, height: 800 };
const point = (x: number): PromptShape => ({ kind: 'point', x, y: 10 });

function model() {
  const sent: Array<[string, ReferencePrompt]> = [];
  const m = new EditorModel((id, p) => sent.push([id, p]));
  let emits = 0;
  m.subscribe(() => emits++);
  return { m, sent, emits: () => emits };
}

describe('EditorModel', () => {
  it('edits, undoes and redoes, reporting each change to the app', () => {
    const { m, sent } = model();
    m.open('a', EMPTY, PHOTO);
    m.addShape('a', point(1));
    m.addShape('a', point(2));
    assert.equal(m.getSnapshot('a').prompt.shapes.length, 2);
    assert.equal(m.getSnapshot('a').canUndo, true);
    assert.equal(m.getSnapshot('a').canRedo, false);
    m.undo('a');
    assert.deepEqual(m.getSnapshot('a').prompt.shapes, [point(1)]);
    assert.equal(m.getSnapshot('a').canRedo, true);
    m.redo('a');
    assert.deepEqual(m.getSnapshot('a').prompt.shapes, [point(1), point(2)]);
    m.clear('a');
    assert.deepEqual(m.getSnapshot('a').prompt.shapes, []);
    m.undo('a');
    assert.equal(m.getSnapshot('a').prompt.shapes.length, 2, 'clear is undoable');
    assert.deepEqual(
      sent.map(([, p]) => p.shapes.length),
      [1, 2, 1, 2, 0, 2],
    );
    assert.ok(sent.every(([id]) => id === 'a'));
  });

  it('a new edit drops the redo steps; the history is capped', () => {
    const { m } = model();
    m.open('a', EMPTY, PHOTO);
    m.addShape('a', point(1));
    m.undo('a');
    m.addShape('a', point(2));
    assert.equal(m.getSnapshot('a').canRedo, false);
    for (let i = 0; i < MAX_HISTORY + 50; i++) m.addShape('a', point(i));
    let undos = 0;
    while (m.getSnapshot('a').canUndo) {
      m.undo('a');
      undos++;
    }
    assert.equal(undos, MAX_HISTORY);
  });

  it('keeps each reference its own history, size and zoom, and the tool across references', () => {
    const { m } = model();
    m.open('a', EMPTY, PHOTO);
    m.open('b', EMPTY, { width: 4000, height: 3000 });
    assert.equal(m.getSnapshot('a').size, 20, 'default size from the photo (longest side / 50)');
    assert.equal(m.getSnapshot('b').size, 80);
    m.setSize('a', 33);
    m.setTool('lasso');
    m.addShape('a', point(1));
    const view: ViewTransform = [2, 0, 0, 2, -50, -40];
    m.saveView('a', view);
    assert.equal(m.getSnapshot('b').canUndo, false, "b's history is its own");
    assert.equal(m.getSnapshot('b').size, 80);
    assert.equal(m.getSnapshot('b').tool, 'lasso');
    assert.equal(m.view('b'), null, 'b is fitted');
    // The component unmounts (another photo, another view) and comes back: open() again.
    const prompt = m.getSnapshot('a').prompt;
    m.open('a', prompt, PHOTO);
    const a = m.getSnapshot('a');
    assert.equal(a.size, 33);
    assert.equal(a.tool, 'lasso');
    assert.equal(a.canUndo, true);
    assert.deepEqual(m.view('a'), view);
  });

  it('an equal copy of the prompt (the service echo) keeps the history; a different one replaces it', () => {
    const { m } = model();
    m.open('a', EMPTY, PHOTO);
    m.addShape('a', point(1));
    const echo: ReferencePrompt = JSON.parse(JSON.stringify(m.getSnapshot('a').prompt));
    m.open('a', echo, PHOTO);
    assert.equal(m.getSnapshot('a').canUndo, true, 'a structurally equal prompt is not a change');
    m.open('a', { shapes: [point(9)], brushMeans: 'scribble' }, PHOTO);
    const s = m.getSnapshot('a');
    assert.deepEqual(s.prompt.shapes, [point(9)]);
    assert.equal(s.canUndo, false, 'another prompt (another project or tab) starts a new history');
  });

  it('snapshots are stable until something changes (useSyncExternalStore needs that)', () => {
    const { m, emits } = model();
    m.open('a', EMPTY, PHOTO);
    m.open('b', EMPTY, PHOTO);
    const a1 = m.getSnapshot('a');
    assert.equal(m.getSnapshot('a'), a1);
    const before = emits();
    m.addShape('b', point(1));
    assert.equal(m.getSnapshot('a'), a1, "an edit of b leaves a's snapshot alone");
    assert.ok(emits() > before);
    m.setTool('box');
    assert.notEqual(m.getSnapshot('a'), a1);
    assert.equal(m.getSnapshot('a').tool, 'box');
    const a2 = m.getSnapshot('a');
    m.setTool('box');
    m.setSize('a', a2.size);
    m.setBrushMeans('a', 'mask');
    assert.equal(m.getSnapshot('a'), a2, 'no-op calls change nothing');
  });

  it('brush size: [ and ] steps, clamped to 1 … the photo-dependent maximum', () => {
    const { m } = model();
    m.open('a', EMPTY, PHOTO);
    m.setSize('a', 10);
    m.stepSize('a', 1);
    assert.equal(m.getSnapshot('a').size, 14);
    m.stepSize('a', -1);
    assert.equal(m.getSnapshot('a').size, 11);
    m.setSize('a', 0);
    assert.equal(m.getSnapshot('a').size, 1);
    m.stepSize('a', -1);
    assert.equal(m.getSnapshot('a').size, 1);
    m.setSize('a', 10_000);
    assert.equal(m.getSnapshot('a').size, m.getSnapshot('a').maxSize);
    assert.equal(m.getSnapshot('a').maxSize, 125);
  });

  it('reset (another project) forgets every reference', () => {
    const { m } = model();
    m.open('a', EMPTY, PHOTO);
    m.addShape('a', point(1));
    m.reset();
    assert.equal(m.has('a'), false);
    assert.throws(() => m.getSnapshot('a'), /not opened/);
  });
});

describe('keyCommand', () => {
  it('maps the editor keys', () => {
    assert.deepEqual(keyCommand({ key: 'z', ctrlKey: true }), { kind: 'undo' });
    assert.deepEqual(keyCommand({ key: 'Z', metaKey: true, shiftKey: true }), { kind: 'redo' });
    assert.deepEqual(keyCommand({ key: 'y', ctrlKey: true }), { kind: 'redo' });
    assert.deepEqual(keyCommand({ key: 'b' }), { kind: 'tool', tool: 'brush' });
    assert.deepEqual(keyCommand({ key: 'E' }), { kind: 'tool', tool: 'eraser' });
    assert.deepEqual(keyCommand({ key: 'k' }), { kind: 'tool', tool: 'lasso-cut' });
    assert.deepEqual(keyCommand({ key: ']' }), { kind: 'size', step: 1 });
    assert.deepEqual(keyCommand({ key: '[' }), { kind: 'size', step: -1 });
    assert.deepEqual(keyCommand({ key: ' ' }), { kind: 'pan' });
    assert.deepEqual(keyCommand({ key: 'Escape' }), { kind: 'cancel' });
    assert.deepEqual(keyCommand({ key: 'Enter' }), { kind: 'finish' });
  });

  it('leaves other keys and modified letters to the app', () => {
    assert.equal(keyCommand({ key: 'b', ctrlKey: true }), null);
    assert.equal(keyCommand({ key: 'b', altKey: true }), null);
    assert.equal(keyCommand({ key: 'q' }), null);
    assert.equal(keyCommand({ key: 'ArrowLeft' }), null);
  });
});
