// The shoot's references in the shoot panel: the one marked by hand and the photos promoted from
// their matte ("fix one, fix the rest"), each with what it is marked by and a button to stop using it.
import { PROMOTE_WORDS, referenceKindWords } from '../../shared/wording';
import { useActions, useAppState } from '../state/context';

export function ReferenceList() {
  const actions = useActions();
  const references = useAppState((s) => s.references);
  const photos = useAppState((s) => s.photos);
  if (references.length === 0) return null;
  const firstMarked = references.find((r) => !r.prompt.matte)?.photoId;
  return (
    <section className="reference-list" aria-label="References" data-testid="reference-list">
      <h3 title={PROMOTE_WORDS.paper}>
        References <span className="muted">({references.length})</span>
      </h3>
      <ul>
        {references.map((r) => {
          const name = photos.get(r.photoId)?.name ?? r.photoId;
          const fromMatte = !!r.prompt.matte;
          return (
            <li key={r.photoId} data-testid="reference-item" data-photo-id={r.photoId} data-kind={fromMatte ? 'matte' : 'marked'}>
              <button type="button" className="link" title={`Show ${name}`} onClick={() => actions.select(r.photoId)}>
                {name}
              </button>
              <span className="muted">{referenceKindWords(fromMatte, r.photoId === firstMarked)}</span>
              <button
                type="button"
                className="small"
                data-testid="reference-remove"
                aria-label={`Stop using ${name} as a reference`}
                title={`Stop using ${name} as a reference (the photos are matted again with the references left)`}
                onClick={() => void actions.removeReference(r.photoId)}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
