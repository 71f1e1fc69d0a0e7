// Heatmap view: a target photo with the similarity map of its result laid over it.
//   S  (asset 'inter') — how well each spot of this photo matches the reference's marked features
//   S′ (asset 'intra') — S spread over the object through the photo's self-similarity.
// Both are small turbo-coloured PNGs on the model grid (e.g. 64×64) covering the whole photo; the
// browser's smooth (bilinear) scaling stretches them over the photo.
import { useState } from 'react';
import { MAP_WORDS, scaleWords } from '../../shared/wording';
import type { HeatmapViewProps } from './props';
import { stateMessage } from './canvas/photoState';
import { useZoomPan } from './canvas/useZoomPan';
import './views.css';
import { ZoomControls } from './canvas/ZoomControls';
import { RadioButton } from './canvas/RadioButton';
import { useKeptMap } from './canvas/useKeptMap';

type Which = 'inter' | 'intra';

export function HeatmapView({ bridge, photo, keptMaps }: HeatmapViewProps) {
  const [which, setWhich] = useState<Which>('inter');
  /** '' = the fused S′ (diffused on the inter grid); else a decoder scale id (S′_l at that scale). */
  const [scale, setScale] = useState('');
  const scales = photo.result?.scales ?? [];
  const shownScale = which === 'intra' && scales.some((sc) => sc.id === scale) ? scale : '';
  const [opacity, setOpacity] = useState(0.6);
  // An image that failed to load, with the URLs shown then: a new photo or map clears it by itself.
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const { zoomPct, zoomBy, fit, stageRef, frameStyle } = useZoomPan(photo.width, photo.height, true);

  // A result is shown while it is being redone (e.g. after a correction); its URL carries the version.
  const done = photo.state === 'done' || (!!photo.result && (photo.state === 'running' || photo.state === 'queued'));
  const updating = done && photo.state !== 'done';
  const photoUrl = bridge.assetUrl('preview', photo.id, photo.version);
  const asset = shownScale ? (`intra@${shownScale}` as const) : which;
  const heatUrl = bridge.assetUrl(asset, photo.id, photo.version);
  // The map on screen: this result's, or the previous one (dimmed) while a new result is made.
  const shown = useKeptMap(keptMaps, photo, asset, done ? heatUrl : null);
  const stale = !done && !!shown && photo.state !== 'failed' && photo.state !== 'missing';
  const failureKey = `${photoUrl} ${heatUrl}`;
  const failed = failure?.key === failureKey ? failure.message : null;
  const setFailed = (message: string): void => setFailure({ key: failureKey, message });

  return (
    <div className="icm-view icm-heatmap" data-testid="heatmap-view">
      <div className="icm-toolbar" role="toolbar" aria-label="Heatmap">
        <div className="icm-group" role="radiogroup" aria-label="Map">
          <RadioButton on={which === 'inter'} testId="heatmap-toggle-inter" title={MAP_WORDS.inter.paper} onClick={() => setWhich('inter')}>
            {MAP_WORDS.inter.text}
          </RadioButton>
          <RadioButton on={which === 'intra'} testId="heatmap-toggle-intra" title={MAP_WORDS.intra.paper} onClick={() => setWhich('intra')}>
            {MAP_WORDS.intra.text}
          </RadioButton>
        </div>
        {which === 'intra' && scales.length > 0 && (
          <label
            className="icm-group"
            title="The combined spread the cut-out is made from, or the spread at one level of detail of the model (S′ fused, or S′ at one decoder scale: one step of eq. 5)"
          >
            Detail
            <select data-testid="heatmap-scale" value={shownScale} onChange={(e) => setScale(e.target.value)}>
              <option value="" title={scaleWords(null).paper}>
                {scaleWords(null).text}
              </option>
              {scales.map((sc, i) => (
                <option key={sc.id} value={sc.id} title={scaleWords(sc, i, scales.length).paper}>
                  {scaleWords(sc, i, scales.length).text}
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
        <ZoomControls zoomPct={zoomPct} zoomBy={zoomBy} fit={fit} />
      </div>

      <div className="icm-stage" ref={stageRef}>
        {(done || stale) && (
          <div className={`icm-frame${shown?.stale ? ' icm-stale' : ''}`} style={frameStyle}>
            <img src={photoUrl} alt={photo.name} draggable={false} onError={() => setFailed(`Could not load ${photo.name}.`)} />
            {shown && (
              <img
                key={shown.url}
                data-testid="heatmap-image"
                data-stale={shown.stale}
                data-version={shown.version}
                data-asset={asset}
                src={shown.url}
                alt={`${MAP_WORDS[which].text}: heatmap over ${photo.name}`}
                draggable={false}
                style={{ opacity }}
                onError={() => setFailed(`Could not load the map "${MAP_WORDS[which].text.toLowerCase()}" of ${photo.name}.`)}
              />
            )}
          </div>
        )}
        {!done && !stale && (
          <div className={`icm-overlay-msg${photo.state === 'failed' || photo.state === 'missing' ? ' icm-error' : ''}`}>
            {stateMessage(photo)}
          </div>
        )}
        {done && failed && <div className="icm-overlay-msg icm-error">{failed}</div>}
        {(updating || stale) && <span className="icm-chip icm-updating">{photo.state === 'queued' ? 'Queued…' : 'Updating…'}</span>}
      </div>

      <div className="icm-legend" data-testid="heatmap-legend">
        <figure className="icm-legend-scale" aria-label="Colour scale: dark blue 0 % to dark red 100 % of this photo's best match">
          <div className="icm-legend-bar" aria-hidden="true" />
          <div className="icm-legend-ticks" aria-hidden="true" data-testid="heatmap-legend-ticks">
            {[0, 25, 50, 75, 100].map((t) => (
              <span key={t} style={{ left: `${t}%` }}>
                {t} %
              </span>
            ))}
          </div>
          <figcaption className="muted">of this photo's best match</figcaption>
        </figure>
        <div className="icm-legend-text">
          <b title={MAP_WORDS.inter.paper}>{MAP_WORDS.inter.text}</b>: how closely each spot looks like what you marked on the reference.
          <br />
          <b title={MAP_WORDS.intra.paper}>{MAP_WORDS.intra.text}</b>: the same, carried over the parts of this photo that belong together;
          the cut-out is made from it.
        </div>
      </div>
    </div>
  );
}
