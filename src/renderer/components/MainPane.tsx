// The selected photo, in one of three modes: Reference (the prompt editor), Heatmaps (S and S′ of
// a target) and Matte (the result, with corrections). The views are loaded on demand (fabric is
// large) and each sits behind an error boundary so a failing view never blanks the app.
import { Component, lazy, Suspense, useEffect, type ReactNode } from 'react';
import type { PhotoInfo } from '../../shared/contract';
import { APPROVAL_WORDS, confidenceWords, decisionWords, PROMOTE_WORDS } from '../../shared/wording';
import { ErrorText } from './ErrorText';
import { useActions, useAppState } from '../state/context';
import type { MainMode } from '../state/store';
import { formatDuration } from './format';

const ReferenceEditor = lazy(() => import('../views/ReferenceEditor').then((m) => ({ default: m.ReferenceEditor })));
const HeatmapView = lazy(() => import('../views/HeatmapView').then((m) => ({ default: m.HeatmapView })));
const MatteReview = lazy(() => import('../views/MatteReview').then((m) => ({ default: m.MatteReview })));

const MODES: Array<{ mode: MainMode; label: string }> = [
  { mode: 'reference', label: 'Reference' },
  { mode: 'heatmaps', label: 'Heatmaps' },
  { mode: 'matte', label: 'Matte' },
];

export function MainPane(props: { onRemove(ids: string[]): void }) {
  const actions = useActions();
  const photo = useAppState((s) => (s.selection.focus ? s.photos.get(s.selection.focus) : undefined));
  const mode = useAppState((s) => s.mode);
  const selectedCount = useAppState((s) => s.selection.ids.size);
  const hasReferences = useAppState((s) => s.references.length > 0);

  if (!photo) {
    return (
      <section className="main-pane empty" aria-label="Selected photo">
        <div className="placeholder">
          <h2>No photo selected</h2>
          <p>
            Import the shoot, pick the photo where the product is easiest to see and use it as the reference, then mark the product on it.
          </p>
        </div>
      </section>
    );
  }

  return (
    <section className="main-pane" aria-label="Selected photo">
      <div className="pane-header">
        <div className="photo-title">
          <strong title={photo.path}>{photo.name}</strong>
          <span className="muted">
            {photo.width}×{photo.height} · {photo.bitDepth}-bit
          </span>
          <span className={`state state-${photo.state}`}>{photo.state}</span>
          {photo.isReference && <span className="ref-marker inline">REF</span>}
          {photo.approval && (
            <span className={`approval-${photo.approval}`} data-testid="photo-approval">
              {APPROVAL_WORDS[photo.approval].mark} {APPROVAL_WORDS[photo.approval].text}
            </span>
          )}
        </div>
        <div className="tabs" role="tablist" aria-label="View">
          {MODES.map((m) => (
            <button
              key={m.mode}
              type="button"
              role="tab"
              aria-selected={mode === m.mode}
              className={mode === m.mode ? 'tab active' : 'tab'}
              data-testid={`mode-${m.mode}`}
              onClick={() => actions.setMode(m.mode)}
            >
              {m.label}
            </button>
          ))}
        </div>
        <div className="photo-actions">
          <button
            type="button"
            data-testid="approve-photo"
            aria-pressed={photo.approval === 'approved'}
            onClick={() => void actions.setApproval(photo.approval === 'approved' ? null : 'approved', [photo.id])}
            title="Export this photo even if it is flagged for review (A in the grid)"
          >
            {photo.approval === 'approved' ? 'Approved ✓' : 'Approve'}
          </button>
          <button
            type="button"
            data-testid="exclude-photo"
            aria-pressed={photo.approval === 'excluded'}
            onClick={() => void actions.setApproval(photo.approval === 'excluded' ? null : 'excluded', [photo.id])}
            title="Leave this photo out of the export (X in the grid)"
          >
            {photo.approval === 'excluded' ? 'Excluded ⊘' : 'Exclude'}
          </button>
          <button
            type="button"
            data-testid="use-as-reference"
            onClick={() => void actions.useAsReference(photo.id)}
            title="Make this photo the only reference"
          >
            Use as reference
          </button>
          {hasReferences && !photo.isReference && (
            <button
              type="button"
              data-testid="promote-reference"
              disabled={photo.state !== 'done' || !photo.result}
              onClick={() => void actions.promoteToReference(photo.id)}
              title={photo.state === 'done' && photo.result ? PROMOTE_WORDS.title : PROMOTE_WORDS.notYet}
            >
              {PROMOTE_WORDS.button}
            </button>
          )}
          <button
            type="button"
            data-testid="add-as-reference"
            disabled={photo.isReference}
            onClick={() => void actions.addAsReference(photo.id)}
            title="Add this photo to the references"
          >
            Add as reference
          </button>
          {photo.isReference && (
            <button type="button" data-testid="remove-reference" onClick={() => void actions.removeReference(photo.id)}>
              Stop using as reference
            </button>
          )}
          <button type="button" className="danger-text" data-testid="remove-photo" onClick={() => props.onRemove([photo.id])}>
            Remove from shoot
          </button>
        </div>
      </div>
      {selectedCount > 1 && <div className="pane-note">{selectedCount} photos selected (Delete removes them).</div>}
      {photo.error && (
        <div className="inline-error" role="alert">
          <ErrorText message={photo.error} />
        </div>
      )}
      <div className="pane-body">
        <ViewBoundary key={`${mode}:${photo.id}`}>
          <Suspense fallback={<Busy text="Loading the view…" />}>
            {mode === 'reference' ? <ReferenceMode photo={photo} /> : <TargetMode photo={photo} mode={mode} />}
          </Suspense>
        </ViewBoundary>
      </div>
    </section>
  );
}

function ReferenceMode({ photo }: { photo: PhotoInfo }) {
  const actions = useActions();
  const references = useAppState((s) => s.references);
  const activeId = useAppState((s) => s.activeReferenceId);
  const photos = useAppState((s) => s.photos);

  if (references.length === 0) {
    return (
      <div className="placeholder">
        <h2>No reference yet</h2>
        <p>The reference is the photo where you mark the product once; every other photo is matted from it.</p>
        <button type="button" className="primary" onClick={() => void actions.useAsReference(photo.id)}>
          Use {photo.name} as reference
        </button>
      </div>
    );
  }
  // The selected photo if it is a reference, else the one last chosen, else the first.
  const ref = references.find((r) => r.photoId === photo.id) ?? references.find((r) => r.photoId === activeId) ?? references[0];
  const refPhoto = photos.get(ref.photoId);
  if (ref.photoId === photo.id && ref.prompt.matte) {
    return (
      <div className="placeholder" data-testid="matte-reference-note">
        <p>
          {photo.name} is a reference marked by its matte (as it was when you used it as a reference): the product is where its matte is. To
          change it, remove it from the references, correct its matte and use it again.
        </p>
        <button type="button" onClick={() => actions.setMode('matte')}>
          Show its matte
        </button>
      </div>
    );
  }
  return (
    <div className="reference-mode">
      {(references.length > 1 || ref.photoId !== photo.id) && (
        <div className="ref-chooser" role="group" aria-label="References">
          <span className="muted">{ref.photoId !== photo.id ? 'Editing the reference:' : 'References:'}</span>
          {references.map((r) => (
            <button
              key={r.photoId}
              type="button"
              aria-pressed={r.photoId === ref.photoId}
              className={r.photoId === ref.photoId ? 'chip active' : 'chip'}
              onClick={() => actions.setActiveReference(r.photoId)}
            >
              {photos.get(r.photoId)?.name ?? r.photoId}
              {r.prompt.shapes.length === 0 && (
                <span className="chip-warn" title="Nothing marked yet">
                  {' '}
                  !
                </span>
              )}
            </button>
          ))}
        </div>
      )}
      {refPhoto ? (
        <div className="view-host">
          <ReferenceEditor key={refPhoto.id} bridge={actions.bridge} photo={refPhoto} prompt={ref.prompt} editor={actions.editor} />
        </div>
      ) : (
        <div className="inline-error">The reference photo is no longer in the shoot.</div>
      )}
    </div>
  );
}

function TargetMode({ photo, mode }: { photo: PhotoInfo; mode: 'heatmaps' | 'matte' }) {
  const actions = useActions();
  const ready = useAppState((s) => s.status?.engine === 'ready');
  const engineError = useAppState((s) => s.status?.engineError);
  const prompted = useAppState((s) => s.references.some((r) => r.prompt.shapes.length > 0));
  const preview = useAppState((s) => s.previews.get(photo.id));
  const correction = useAppState((s) => s.corrections.get(photo.id));
  const hasResult = !!photo.result;
  const previewError = preview?.state === 'error' && preview.version === photo.version ? preview.message : undefined;
  const canRun = ready && prompted && photo.state !== 'missing' && photo.state !== 'failed';

  // A correction saved in the project is fetched when the target is first looked at.
  useEffect(() => {
    if (photo.hasCorrection && correction === undefined) void actions.loadCorrection(photo.id);
  }, [actions, photo.hasCorrection, correction, photo.id]);

  // A target without a result is run ahead of the queue when it is looked at.
  useEffect(() => {
    if (canRun && !hasResult && !preview) void actions.preview(photo.id);
  }, [actions, canRun, hasResult, preview, photo.id]);

  // A reference marked with a painted mask is its own matte: there is nothing the engine found to show.
  if (photo.isReference && mode === 'heatmaps' && photo.result && photo.result.gridSize === 0) {
    return (
      <div className="placeholder">
        <p>This reference is matted from the product as you marked it: its matte is your mark (see Matte), with no heatmaps.</p>
      </div>
    );
  }
  if (!prompted) {
    return (
      <div className="placeholder">
        <p>Mark the product on a reference photo first.</p>
        <button type="button" onClick={() => actions.setMode('reference')}>
          Go to the reference
        </button>
      </div>
    );
  }
  if (!hasResult) {
    if (previewError || photo.state === 'failed' || photo.state === 'missing') {
      return (
        <div className="placeholder">
          <div className="inline-error" role="alert" data-testid="preview-error">
            <ErrorText message={previewError ?? photo.error ?? `This photo ${photo.state === 'missing' ? 'is missing' : 'failed'}.`} />
          </div>
          {photo.state !== 'missing' && (
            <button type="button" onClick={() => void actions.preview(photo.id)}>
              Try again
            </button>
          )}
        </div>
      );
    }
    if (!ready) return <Busy text={engineError ? `The engine failed: ${engineError}` : 'Waiting for the engine to load…'} />;
    // After a prompt edit the previous map stays on screen, dimmed, while the new one is made.
    if (!(mode === 'heatmaps' && actions.keptMaps.has(photo.id))) return <Busy text={`Matting ${photo.name}…`} testId="preview-spinner" />;
  }

  return (
    <div className="target-mode">
      <div className="view-host">
        {mode === 'heatmaps' ? (
          <HeatmapView bridge={actions.bridge} photo={photo} keptMaps={actions.keptMaps} />
        ) : (
          <MatteReview
            bridge={actions.bridge}
            photo={photo}
            correction={correction ?? null}
            onCorrection={(c) => void actions.setCorrection(photo.id, c)}
            matteView={actions.matteView}
          />
        )}
      </div>
      {hasResult && <ResultInfo photo={photo} running={preview?.state === 'running'} />}
    </div>
  );
}

function ResultInfo({ photo, running }: { photo: PhotoInfo; running: boolean }) {
  const r = photo.result!;
  return (
    <div className="result-info">
      {running && (
        <span>
          <span className="spinner small" aria-hidden="true" /> updating…
        </span>
      )}
      {photo.isReference && r.gridSize === 0 ? (
        <span data-testid="result-decision">The matte is the product as you marked it</span>
      ) : (
        <Said words={decisionWords(r)} testId="result-decision" />
      )}
      <Said words={confidenceWords(r.confidence)} testId="result-confidence" />
      <span title={`backbone ${r.timings.backboneMs} ms, similarity ${r.timings.similarityMs} ms, head ${r.timings.headMs} ms`}>
        {formatDuration(r.timings.totalMs)}
      </span>
    </div>
  );
}

function Said({ words, testId }: { words: { text: string; paper: string }; testId: string }) {
  return (
    <span title={words.paper} data-testid={testId}>
      {words.text}
    </span>
  );
}

function Busy({ text, testId }: { text: string; testId?: string }) {
  return (
    <div className="placeholder" role="status" data-testid={testId}>
      <span className="spinner" aria-hidden="true" />
      <p>{text}</p>
    </div>
  );
}

class ViewBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (this.state.error) {
      return (
        <div className="placeholder">
          <div className="inline-error" role="alert">
            This view failed: {this.state.error.message}
          </div>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
