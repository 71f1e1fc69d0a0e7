// −  NNN%  +  Fit: the zoom buttons shared by the heatmap and matte views.
export function ZoomControls({ zoomPct, zoomBy, fit }: { zoomPct: number; zoomBy(factor: number): void; fit(): void }) {
  return (
    <div className="icm-group">
      <button type="button" title="Zoom out" onClick={() => zoomBy(1 / 1.25)}>
        −
      </button>
      <span className="icm-num">{zoomPct}%</span>
      <button type="button" title="Zoom in" onClick={() => zoomBy(1.25)}>
        +
      </button>
      <button type="button" title="Fit the photo in the view" onClick={fit}>
        Fit
      </button>
    </div>
  );
}
