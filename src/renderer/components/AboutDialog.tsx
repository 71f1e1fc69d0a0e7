// About: the version, the licence in plain words, where the source code is (the AGPL's offer of
// the source, in serve mode too), the parts made by others with their licences, and the log file to
// attach to a bug report. Reached from the top bar's About button and the desktop Help menu.
import { useEffect, useState } from 'react';
import type { AboutInfo } from '../../shared/contract';
import { SOURCE_NOT_PUBLISHED } from '../../shared/wording';
import { useActions } from '../state/context';
import { Modal } from './Modal';

/** Plain words for the licences the app states (the SPDX id stays beside them). */
const LICENCE_WORDS: Record<string, string> = {
  'AGPL-3.0-or-later': 'GNU Affero General Public License, version 3 or later',
  'AGPL-3.0': 'GNU Affero General Public License, version 3',
  'LGPL-3.0-or-later': 'GNU Lesser General Public License, version 3 or later',
  'Apache-2.0': 'Apache License 2.0',
  MIT: 'MIT License',
};

export function licenceWords(spdx: string): string {
  return LICENCE_WORDS[spdx] ?? spdx;
}

export function AboutDialog({ onClose }: { onClose(): void }) {
  const actions = useActions();
  const [about, setAbout] = useState<AboutInfo | null | undefined>(undefined);

  useEffect(() => {
    let live = true;
    void actions.getAbout().then((a) => live && setAbout(a ?? null));
    return () => {
      live = false;
    };
  }, [actions]);

  return (
    <Modal title="About In-Context Matting" onClose={onClose} testId="about-dialog" wide>
      {about === undefined && <p className="menu-note">Loading…</p>}
      {about === null && <p>The service did not answer; try again.</p>}
      {about && (
        <div className="about">
          <p data-testid="about-version">
            Version <strong>{about.version}</strong> · engine revision {about.engineRevision} · model {about.modelPack}
          </p>
          <p data-testid="about-license">
            {about.name} is free software under the <strong>{licenceWords(about.license)}</strong> ({about.license}): you may use, study,
            change and share it; what you pass on, or run changed for others over a network, goes with its source under the same licence.
            There is no warranty.
          </p>
          {about.sourceUrl ? (
            <p>
              The source code of this version:{' '}
              <a href={about.sourceUrl} target="_blank" rel="noreferrer" data-testid="about-source">
                {about.sourceUrl}
              </a>
            </p>
          ) : (
            <p data-testid="about-source-missing">{SOURCE_NOT_PUBLISHED}</p>
          )}
          <table className="about-components" data-testid="about-components">
            <caption>Built with the work of others</caption>
            <thead>
              <tr>
                <th scope="col">Part</th>
                <th scope="col">Version</th>
                <th scope="col">Licence</th>
              </tr>
            </thead>
            <tbody>
              {about.components.map((c) => (
                <tr key={c.name} data-testid="about-component">
                  <th scope="row">
                    <a href={c.url} target="_blank" rel="noreferrer">
                      {c.name}
                    </a>
                    <span className="about-role">{c.role}</span>
                  </th>
                  <td>{c.version}</td>
                  <td title={licenceWords(c.license)}>{c.license}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {about.logFile && (
            <p className="hint" data-testid="about-log">
              Log file, to attach to a bug report: <code>{about.logFile}</code>
            </p>
          )}
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="primary" onClick={onClose} data-testid="about-close">
          Close
        </button>
      </div>
    </Modal>
  );
}
