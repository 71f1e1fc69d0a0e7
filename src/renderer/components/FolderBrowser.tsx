// Serve mode's folder browser: walk the folders the server may use (its --root folders) and import
// one. The server lists and checks every folder (listFolder); the desktop app uses its native dialog.
import { useEffect, useState } from 'react';
import type { FolderListing } from '../../shared/contract';
import { ROOTS_HINT } from '../../shared/wording';
import { errorMessage } from '../state/actions';
import { useActions } from '../state/context';
import { ErrorText } from './ErrorText';
import { plural } from './format';
import { Modal } from './Modal';

/** Names of photos shown under the folders (the count says how many there are). */
const SHOWN_IMAGES = 12;

export function FolderBrowser(props: { start: string | null; onImport(folder: string): void; onClose(): void }) {
  const actions = useActions();
  const [at, setAt] = useState<string | null>(props.start);
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    actions.listFolder(at).then(
      (l) => {
        if (!live) return;
        setListing(l);
        setError(null);
      },
      (e: unknown) => {
        if (live) setError(errorMessage(e)); // the last folder listed stays (Up leads back to the roots)
      },
    );
    return () => {
      live = false;
    };
  }, [actions, at]);

  const here = listing?.path ?? null;
  // Up from a folder that could not be listed goes to the last one shown, or to the roots.
  const up = at !== here ? here : (listing?.parent ?? null);
  return (
    <Modal title="Import a folder from the server" onClose={props.onClose} testId="folder-browser" wide>
      <div className="folder-browser">
        <div className="row folder-where">
          <button type="button" disabled={at === null} onClick={() => setAt(up)} data-testid="folder-up">
            ↑ Up
          </button>
          <code data-testid="folder-current">{here ?? 'Folders this server may use'}</code>
        </div>
        {error && (
          <p className="text-failed" role="alert" data-testid="folder-error">
            <ErrorText message={error} />
          </p>
        )}
        <ul className="folder-list" aria-label="Folders">
          {listing?.folders.map((f) => (
            <li key={f.path}>
              <button type="button" className="folder-entry" onClick={() => setAt(f.path)} data-testid="folder-entry" data-path={f.path}>
                📁 {f.name}
              </button>
            </li>
          ))}
          {listing && listing.folders.length === 0 && <li className="muted">No folders here</li>}
        </ul>
        {here !== null && listing && (
          <p className="muted" data-testid="folder-images" data-count={listing.images.length}>
            {listing.images.length ? plural(listing.images.length, 'photo') : 'No photos'} in this folder
            {listing.images.length > 0 &&
              `: ${listing.images
                .slice(0, SHOWN_IMAGES)
                .map((i) => i.name)
                .join(', ')}`}
            {listing.images.length > SHOWN_IMAGES || listing.truncated ? ', …' : ''}
          </p>
        )}
        <p className="hint">{ROOTS_HINT}</p>
      </div>
      <div className="form-actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={here === null || !listing?.images.length}
          onClick={() => here && props.onImport(here)}
          data-testid="folder-import"
        >
          Import {listing && here !== null ? plural(listing.images.length, 'photo') : 'photos'}
        </button>
      </div>
    </Modal>
  );
}
