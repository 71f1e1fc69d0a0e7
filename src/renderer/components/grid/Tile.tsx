// One photo of the grid: its thumbnail, markers (reference, correction, approval), name, state
// and confidence. It subscribes to its own photo, so a state change re-renders this tile only.
import { memo, useState, type MouseEvent as ReactMouseEvent } from 'react';
import { APPROVAL_WORDS, fileErrorWords } from '../../../shared/wording';
import { useActions, useAppState } from '../../state/context';
import { TILE_H } from './layout';
import { tileName } from './tileName';

const STATE_WORDS: Record<string, string> = {
  new: 'not matted yet',
  queued: 'queued',
  running: 'being matted',
  done: 'done',
  failed: 'failed',
  missing: 'missing',
};

export const Tile = memo(function Tile(props: {
  id: string;
  x: number;
  y: number;
  width: number;
  tabbable: boolean;
  position: number;
  count: number;
  onContextMenu(id: string, e: ReactMouseEvent): void;
}) {
  const actions = useActions();
  const photo = useAppState((s) => s.photos.get(props.id));
  const selected = useAppState((s) => s.selection.ids.has(props.id));
  const focused = useAppState((s) => s.selection.focus === props.id);
  const [broken, setBroken] = useState<string | null>(null);
  if (!photo) return null;
  const src = actions.bridge.assetUrl('thumb', photo.id, photo.version);
  const cls = [
    'tile',
    `tile-${photo.state}`,
    selected ? 'selected' : '',
    focused ? 'focused' : '',
    photo.approval ? `tile-${photo.approval}` : '',
  ].join(' ');
  const plainError = photo.error ? fileErrorWords(photo.error).plain : null;
  const showError = !!photo.error && (photo.state === 'failed' || photo.state === 'missing');
  // The full name always: on hover (title) and for screen readers (the accessible name).
  const label = [
    photo.name,
    photo.isReference ? 'reference' : '',
    STATE_WORDS[photo.state],
    photo.result?.review ? 'needs review' : '',
    photo.approval ? APPROVAL_WORDS[photo.approval].text : '',
    photo.hasCorrection ? 'corrected' : '',
    showError ? plainError : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <button
      type="button"
      role="option"
      className={cls}
      style={{ transform: `translate(${props.x}px, ${props.y}px)`, width: props.width, height: TILE_H }}
      data-testid="tile"
      data-photo-id={photo.id}
      data-state={photo.state}
      data-reference={photo.isReference ? 'true' : undefined}
      data-approval={photo.approval ?? undefined}
      data-flagged={photo.result?.review ? 'true' : undefined}
      tabIndex={props.tabbable ? 0 : -1}
      aria-selected={selected}
      aria-label={label}
      aria-posinset={props.position}
      aria-setsize={props.count}
      title={photo.error ? `${photo.name}\n${photo.path}\n${plainError}\n(${photo.error})` : `${photo.name}\n${photo.path}`}
      onClick={(e) => actions.select(photo.id, { toggle: e.metaKey || e.ctrlKey, range: e.shiftKey })}
      onContextMenu={(e) => props.onContextMenu(photo.id, e)}
    >
      <span className="thumb">
        {broken === src ? (
          <span className="thumb-missing" aria-hidden="true">
            ?
          </span>
        ) : (
          <img loading="lazy" decoding="async" src={src} alt="" draggable={false} onError={() => setBroken(src)} />
        )}
        {photo.isReference && (
          <span className="ref-marker" title="Reference photo">
            REF
          </span>
        )}
        {photo.hasCorrection && (
          <span className="corr-marker" title="Has a correction">
            ✎
          </span>
        )}
        {photo.approval && (
          <span
            className={`approval-marker approval-${photo.approval}`}
            data-testid="tile-approval"
            title={`You ${APPROVAL_WORDS[photo.approval].text} this photo`}
          >
            {APPROVAL_WORDS[photo.approval].mark} {APPROVAL_WORDS[photo.approval].text}
          </span>
        )}
      </span>
      <span className="tile-meta">
        <span className="tile-name">{tileName(photo.name, photo.state, props.width)}</span>
        <span className={`state state-${photo.state}`}>{photo.state}</span>
        {photo.result && (
          <span
            className={photo.result.review ? 'review-badge' : 'confidence-badge'}
            data-testid="tile-confidence"
            title={
              photo.result.review
                ? `Needs a look: ${photo.result.reason ?? 'unsure'}`
                : 'How sure the app is that it kept the right objects'
            }
          >
            {photo.result.review ? '⚑ ' : ''}
            {Math.round(photo.result.confidence * 100)}%
          </span>
        )}
      </span>
      {showError && <span className="tile-error">{plainError}</span>}
    </button>
  );
});
