// Review at 100 %: the matte view's zoom controls (Fit, 1:1 … 8:1), and when zoomed the
// background behind the cutout (white, black, a colour), the alpha instead, the export's
// decontaminated edge colours or the photo's, and the jumps between the soft-edge points.
import type { PhotoInfo } from '../../shared/contract';
import { BACKGROUNDS, ZOOM_MODES, type MatteViewModel, type MatteViewSnapshot } from '../state/matte-view';
import { RadioButton } from './canvas/RadioButton';

export function ZoomToolbar({
  snap,
  model,
  photo,
  ready,
}: {
  snap: MatteViewSnapshot;
  model: MatteViewModel;
  photo: PhotoInfo;
  ready: boolean;
}) {
  const zoomed = snap.mode !== 'fit';
  const custom = !BACKGROUNDS.some((b) => b.colour === snap.background);
  const edges = snap.edges;
  const noEdges = edges !== null && edges.length === 0;
  const step = (dir: 1 | -1) => void model.stepEdge(photo, dir);
  return (
    <>
      <div className="icm-group" role="radiogroup" aria-label="Zoom (Review at 100 %)">
        {ZOOM_MODES.map((z) => (
          <RadioButton
            key={z.label}
            on={snap.mode === z.mode}
            testId={`zoom-${z.mode === 'fit' ? 'fit' : `${z.mode}x`}`}
            title={z.title}
            onClick={() => model.setMode(z.mode)}
          >
            {z.label}
          </RadioButton>
        ))}
      </div>
      <div className="icm-group" role="group" aria-label="Soft edge">
        <button
          type="button"
          data-testid="edge-previous"
          disabled={!ready || noEdges}
          title="Previous place on the soft edge (Shift+N)"
          onClick={() => step(-1)}
        >
          ‹ Edge
        </button>
        <button
          type="button"
          data-testid="edge-next"
          disabled={!ready || noEdges}
          title="Next place on the soft edge (N)"
          onClick={() => step(1)}
        >
          Edge ›
        </button>
        {edges && (
          <span className="icm-num" data-testid="edge-count">
            {edges.length === 0 ? 'no soft edge' : `${snap.edgeIndex + 1 || '–'} / ${edges.length}`}
          </span>
        )}
      </div>
      {zoomed && (
        <div className="icm-group" role="radiogroup" aria-label="Background behind the cutout">
          {BACKGROUNDS.map((b) => (
            <RadioButton
              key={b.id}
              on={snap.show === 'cutout' && snap.background === b.colour}
              testId={`zoom-bg-${b.id}`}
              title={`The cutout over ${b.label.toLowerCase()}`}
              onClick={() => {
                model.setShow('cutout');
                model.setBackground(b.colour);
              }}
            >
              <span className="icm-swatch-chip" style={{ background: b.colour }} aria-hidden="true" /> {b.label}
            </RadioButton>
          ))}
          <RadioButton
            on={snap.show === 'cutout' && custom}
            testId="zoom-bg-custom"
            title="The cutout over the colour beside"
            onClick={() => model.setShow('cutout')}
          >
            Colour
          </RadioButton>
          <input
            type="color"
            className="icm-swatch"
            data-testid="zoom-colour"
            aria-label="Background colour behind the cutout"
            value={snap.pickedColour ?? (custom ? snap.background : '#808080')}
            onChange={(e) => {
              model.setShow('cutout');
              model.pickBackground(e.target.value);
            }}
          />
          <RadioButton
            on={snap.show === 'alpha'}
            testId="zoom-show-alpha"
            title="The alpha matte as grey"
            onClick={() => model.setShow('alpha')}
          >
            Alpha
          </RadioButton>
        </div>
      )}
      {zoomed && (
        <label
          className="icm-group"
          title="The export's estimate of the product's own colour in the soft edge (no fringe of the old background)"
        >
          <input
            type="checkbox"
            data-testid="zoom-decontaminate"
            checked={snap.decontaminate}
            disabled={snap.show === 'alpha'}
            onChange={(e) => model.setDecontaminate(e.target.checked)}
          />
          Clean edge colours
        </label>
      )}
    </>
  );
}
