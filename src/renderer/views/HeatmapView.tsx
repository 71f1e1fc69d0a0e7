// Heatmap view: a target photo with the similarity map of its result laid over it.
//   S  (asset 'inter') — how well each spot of this photo matches the reference's marked features
//   S′ (asset 'intra') — S spread over the object through the photo's self-similarity.
// Both are small turbo-coloured PNGs on the model grid (e.g. 64×64) covering the whole photo; the
// browser's smooth (bilinear) scaling stretches them over the photo.
import { useEffect, useState } from 'react';
import type { HeatmapViewProps } from './props';
import { stateMessage } from './canvas/photoState';
import { useZoomPan } from './canvas/useZoomPan';
import './views.css';
import { ZoomControls } from './canvas/ZoomControls';
import { RadioButton } from './canvas/RadioButton';

type Which = 'inter' | 'intra';

export function HeatmapView({ bridge, photo }: HeatmapViewProps) {
  const [which, setWhich] = useState<Which>('inter');
  /** '' = the fused S′ (diffused on the inter grid); else a decoder scale id (S′_l at that scale). */
  const [scale, setScale] = useState('');
  const scales = photo.result?.scales ?? [];
  const shownScale = which === 'intra' && scales.some((sc) => sc.id === scale) ? scale : '';
  const [opacity, setOpacity] = useState(0.6);
  const [failed, setFailed] = useState<string | null>(null);
  const zp = useZoomPan(photo.width, photo.height, true);

  // A result is shown while it is being redone (e.g. after a correction); its URL carries the version.
  const done = photo.state === 'done' || (!!photo.result && (photo.state === 'running' || photo.state === 'queued'));
  const updating = done && photo.state !== 'done';
  const photoUrl = bridge.assetUrl('preview', photo.id, photo.version);
  const heatUrl = bridge.assetUrl(shownScale ? `intra@${shownScale}` : which, photo.id, photo.version);
  useEffect(() => setFailed(null), [photoUrl, heatUrl]);

  return (
    <div className="icm-view icm-heatmap" data-testid="heatmap-view">
      <div className="icm-toolbar" role="toolbar" aria-label="Heatmap">
        <div className="icm-group" role="radiogroup" aria-label="Similarity map">
          <RadioButton on={which === 'inter'} testId="heatmap-toggle-inter" title="Inter-similarity S: the reference's marked features matched in this photo" onClick={() => setWhich('inter')}>S (inter)</RadioButton>
          <RadioButton on={which === 'intra'} testId="heatmap-toggle-intra" title="Intra-similarity S′: S spread over the object by the photo's self-similarity" onClick={() => setWhich('intra')}>S′ (intra)</RadioButton>
        </div>
        {which === 'intra' && scales.length > 0 && (
          <label className="icm-group" title="S′ fused (what the matte uses) or at one scale of the backbone (eq. 5, one step)">
            Scale
            <select data-testid="heatmap-scale" value={shownScale} onChange={(e) => setScale(e.target.value)}>
              <option value="">fused</option>
              {scales.map((sc) => (
                <option key={sc.id} value={sc.id}>
                  {sc.side}×{sc.side}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="icm-group" title="Heatmap opacity">
          Opacity
          <input
            type="range"
            data-testid="heatmap-opacity"
            min={0}
            max={1}
            step={0.05}
            value={opacity}
            onChange={(e) => setOpacity(Number(e.target.value))}
          />
          <span className="icm-num">{Math.round(opacity * 100)}%</span>
        </label>
        <ZoomControls zoomPct={zp.zoomPct} zoomBy={zp.zoomBy} fit={zp.fit} />
      </div>

      <div className="icm-stage" ref={zp.stageRef}>
        {done && (
          <div className="icm-frame" style={zp.frameStyle}>
            <img src={photoUrl} alt={photo.name} draggable={false} onError={() => setFailed(`Could not load ${photo.name}.`)} />
            <img
              key={heatUrl}
              data-testid="heatmap-image"
              src={heatUrl}
              alt={which === 'inter' ? 'S (inter-similarity)' : 'S′ (intra-similarity)'}
              draggable={false}
              style={{ opacity }}
              onError={() => setFailed(`Could not load the ${which === 'inter' ? 'S' : 'S′'} map of ${photo.name}.`)}
            />
          </div>
        )}
        {!done && <div className={`icm-overlay-msg${photo.state === 'failed' || photo.state === 'missing' ? ' icm-error' : ''}`}>{stateMessage(photo)}</div>}
        {done && failed && <div className="icm-overlay-msg icm-error">{failed}</div>}
        {updating && <span className="icm-chip icm-updating">{photo.state === 'queued' ? 'Queued…' : 'Updating…'}</span>}
      </div>

      <div className="icm-legend" data-testid="heatmap-legend">
        <span>low</span>
        <div className="icm-legend-bar" role="img" aria-label="turbo colour scale, blue = low, red = high" />
        <span>high similarity</span>
        <div className="icm-legend-text">
          <b>S</b> — where the reference's marked features match this photo (eq. 4).
          <br />
          <b>S′</b> — S spread over the object by the photo's self-similarity (eq. 5); per scale: one step
          at that feature scale.
        </div>
      </div>
    </div>
  );
}
