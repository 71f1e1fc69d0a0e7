// The reference editor's toolbar: a view of the editor model's snapshot; every control calls the
// model (tool, size, strokes mean, undo/redo/clear) or the canvas's zoom.
import type { EditorModel, EditorSnapshot } from '../state/editor';
import { TOOLS } from '../state/editor';
import { RadioButton } from './canvas/RadioButton';

export function ReferenceToolbar(props: {
  snap: EditorSnapshot;
  editor: EditorModel;
  zoomPct: number;
  zoomBy(factor: number): void;
  fit(): void;
}) {
  const { snap, editor, zoomPct, zoomBy, fit } = props;
  const id = snap.referenceId;
  const { tool, size, maxSize, prompt } = snap;
  return (
    <div className="icm-toolbar" role="toolbar" aria-label="Reference tools">
      <div className="icm-group" role="radiogroup" aria-label="Tool">
        {TOOLS.map((t) => (
          <RadioButton key={t.id} on={tool === t.id} testId={`tool-${t.id}`} title={t.title} onClick={() => editor.setTool(t.id)}>
            {t.label}
          </RadioButton>
        ))}
      </div>
      <label className="icm-group" title="Brush size in photo pixels ([ and ])">
        Size
        <input
          type="range"
          data-testid="brush-size"
          min={1}
          max={maxSize}
          value={Math.min(size, maxSize)}
          onChange={(e) => editor.setSize(id, Number(e.target.value))}
        />
        <span className="icm-num">{size}px</span>
      </label>
      <div
        className="icm-group"
        role="radiogroup"
        aria-label="Strokes mean"
        title="Mask: the product is painted in completely. Scribble: a few strokes on it, grown to the whole object."
      >
        Strokes mean
        {(['mask', 'scribble'] as const).map((m) => (
          <RadioButton key={m} on={prompt.brushMeans === m} testId={`brush-means-${m}`} onClick={() => editor.setBrushMeans(id, m)}>
            {m === 'mask' ? 'Mask' : 'Scribble'}
          </RadioButton>
        ))}
      </div>
      <div className="icm-group">
        <button type="button" data-testid="undo" title="Undo (Ctrl+Z)" disabled={!snap.canUndo} onClick={() => editor.undo(id)}>
          Undo
        </button>
        <button
          type="button"
          data-testid="redo"
          title="Redo (Ctrl+Shift+Z / Ctrl+Y)"
          disabled={!snap.canRedo}
          onClick={() => editor.redo(id)}
        >
          Redo
        </button>
        <button
          type="button"
          data-testid="clear-prompt"
          title="Remove every shape"
          disabled={prompt.shapes.length === 0}
          onClick={() => editor.clear(id)}
        >
          Clear
        </button>
      </div>
      <div className="icm-group">
        <button type="button" data-testid="zoom-out" title="Zoom out" onClick={() => zoomBy(1 / 1.25)}>
          −
        </button>
        <span className="icm-num" aria-label="Zoom">
          {zoomPct}%
        </span>
        <button type="button" data-testid="zoom-in" title="Zoom in" onClick={() => zoomBy(1.25)}>
          +
        </button>
        <button type="button" data-testid="zoom-fit" title="Fit the photo in the view" onClick={fit}>
          Fit
        </button>
      </div>
    </div>
  );
}
