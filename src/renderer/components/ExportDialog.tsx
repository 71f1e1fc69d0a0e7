// Export: options (defaults from the shoot settings), then the job's progress, then its summary.
// By default the export takes the photos that are ready (approved, or not flagged) and says before
// and after what it left out; "all photos" takes every one.
import { useId, useState } from 'react';
import type { ExportFormat } from '../../shared/contract';
import { leftOutWords } from '../../shared/wording';
import { DEFAULT_NAME_TEMPLATE, EXPORT_FORMAT_INFO, EXPORT_FORMATS, exportFileName } from '../../shared/vocabulary';
import { useActions, useAppState } from '../state/context';
import { plural } from './format';
import { Modal } from './Modal';
import { ExportCropFields } from './export/ExportCropFields';
import { exportOptionsOf, templateProblem, useExportForm } from './export/exportForm';
import { ExportJobView } from './export/ExportJob';
import { useExportTargets } from './export/useExportTargets';

const FORMATS = EXPORT_FORMATS.map((value) => ({ value, label: EXPORT_FORMAT_INFO[value].label }));

export function ExportDialog(props: { onClose(): void }) {
  const actions = useActions();
  const defaults = useAppState((s) => s.status?.settings.exportDefaults);
  const nativeDialogs = useAppState((s) => s.status?.nativeDialogs ?? false);
  const ids = useId();
  const form = useExportForm(defaults);
  const { outDir, setOutDir, format, setFormat, setBitDepth, effectiveDepth, useBackground, setUseBackground, background } = form;
  const { setBackground, nameTemplate, setNameTemplate, overwrite, setOverwrite, decontaminate, setDecontaminate } = form;
  const { premultiplied, setPremultiplied, scope, setScope } = form;
  const [jobId, setJobId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const { leftOut, targets, notMatted, done, first } = useExportTargets(scope);

  const start = async () => {
    const options = exportOptionsOf(form);
    setStarting(true);
    const id = await actions.exportShoot(options);
    setStarting(false);
    if (id) setJobId(id);
  };

  if (jobId) {
    return (
      <Modal title="Export" onClose={props.onClose} testId="export-dialog">
        <ExportJobView jobId={jobId} outDir={outDir} onClose={props.onClose} />
      </Modal>
    );
  }

  return (
    <Modal title="Export mattes" onClose={props.onClose} testId="export-dialog" wide>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (outDir.trim()) void start();
        }}
      >
        <label htmlFor={`${ids}-out`}>Output folder{nativeDialogs ? '' : ' (a path on the server)'}</label>
        <div className="row">
          <input
            id={`${ids}-out`}
            type="text"
            value={outDir}
            onChange={(e) => setOutDir(e.target.value)}
            placeholder="/exports/shoot-01"
            spellCheck={false}
            autoComplete="off"
            required
            data-testid="export-outdir"
          />
          {nativeDialogs && (
            <button
              type="button"
              onClick={async () => {
                const p = await actions.pick('export-folder');
                if (p) setOutDir(p[0]);
              }}
            >
              Choose…
            </button>
          )}
        </div>

        <div className="form-grid">
          <label htmlFor={`${ids}-format`}>Format</label>
          <select
            id={`${ids}-format`}
            value={format}
            onChange={(e) => setFormat(e.target.value as ExportFormat)}
            data-testid="export-format"
          >
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>

          <label htmlFor={`${ids}-depth`}>Bit depth</label>
          <select
            id={`${ids}-depth`}
            value={effectiveDepth}
            onChange={(e) => setBitDepth(Number(e.target.value) === 16 ? 16 : 8)}
            data-testid="export-bitdepth"
          >
            <option value="8">8 bit</option>
            <option value="16" disabled={format === 'cutout-webp'}>
              16 bit{format === 'cutout-webp' ? ' (not for WebP)' : ''}
            </option>
          </select>

          <span className="label">Background</span>
          <div className="row">
            <input
              id={`${ids}-bg`}
              type="checkbox"
              checked={useBackground && format !== 'alpha-png'}
              disabled={format === 'alpha-png'}
              onChange={(e) => setUseBackground(e.target.checked)}
              data-testid="export-background-enabled"
            />
            <label htmlFor={`${ids}-bg`}>
              {format === 'alpha-png' ? 'Not used for an alpha matte' : 'Solid colour instead of transparency'}
            </label>
            <input
              type="color"
              value={background}
              aria-label="Background colour"
              disabled={!useBackground || format === 'alpha-png'}
              onChange={(e) => setBackground(e.target.value)}
              data-testid="export-background"
            />
          </div>

          <span className="label">Edge colour</span>
          <div className="row">
            <input
              id={`${ids}-decon`}
              type="checkbox"
              checked={decontaminate && format !== 'alpha-png'}
              disabled={format === 'alpha-png'}
              onChange={(e) => setDecontaminate(e.target.checked)}
              data-testid="export-decontaminate"
            />
            <label
              htmlFor={`${ids}-decon`}
              title="Estimates the product's own colour in its soft edge, so no fringe of the old background shows on a new one"
            >
              Remove the old background's colour from the edges
            </label>
          </div>

          <label htmlFor={`${ids}-alpha`}>Alpha</label>
          <select
            id={`${ids}-alpha`}
            value={premultiplied && !useBackground ? 'premultiplied' : 'straight'}
            disabled={format === 'alpha-png' || useBackground}
            onChange={(e) => setPremultiplied(e.target.value === 'premultiplied')}
            data-testid="export-alpha-mode"
          >
            <option value="straight">Straight (usual)</option>
            <option value="premultiplied">Premultiplied (colour × alpha)</option>
          </select>
          <ExportCropFields ids={ids} form={form} />

          <label htmlFor={`${ids}-name`}>File name</label>
          <div>
            <input
              id={`${ids}-name`}
              type="text"
              value={nameTemplate}
              onChange={(e) => setNameTemplate(e.target.value)}
              spellCheck={false}
              autoComplete="off"
              data-testid="export-template"
            />
            {templateProblem(nameTemplate.trim() || '{name}') && (
              <div className="hint text-failed" role="alert">
                {templateProblem(nameTemplate.trim() || '{name}')}
              </div>
            )}
            <div className="hint">
              {'{name}'} photo name, {'{index}'} number, {'{format}'} format.{' '}
              {first && (
                <>
                  First file:{' '}
                  <code data-testid="export-example">
                    {exportFileName(nameTemplate || DEFAULT_NAME_TEMPLATE, first.name, 0, targets.length, format)}
                  </code>
                </>
              )}
            </div>
          </div>

          <span className="label">Existing files</span>
          <div className="row">
            <input
              id={`${ids}-ow`}
              type="checkbox"
              checked={overwrite}
              onChange={(e) => setOverwrite(e.target.checked)}
              data-testid="export-overwrite"
            />
            <label htmlFor={`${ids}-ow`}>Overwrite (off: a rerun skips finished files)</label>
          </div>
        </div>

        <span className="label">Photos</span>
        <div className="export-scope" role="radiogroup" aria-label="Which photos">
          <label>
            <input
              type="radio"
              name={`${ids}-scope`}
              checked={scope === 'ready'}
              onChange={() => setScope('ready')}
              data-testid="export-scope-ready"
            />{' '}
            Ready photos: approved, or not flagged for review
          </label>
          <label>
            <input
              type="radio"
              name={`${ids}-scope`}
              checked={scope === 'all'}
              onChange={() => setScope('all')}
              data-testid="export-scope-all"
            />{' '}
            All photos (flagged and excluded ones too)
          </label>
        </div>
        <p className="muted" data-testid="export-count" data-count={targets.length}>
          {plural(targets.length, 'photo')} to export, {done} matted so far
          {done < targets.length ? ' (the others are matted first)' : ''}.
        </p>
        {scope === 'ready' && leftOut.length > 0 && (
          <p data-testid="export-left-out" data-count={leftOut.length}>
            {leftOutWords(leftOut)}.
          </p>
        )}
        {scope === 'ready' && notMatted > 0 && (
          <p className="muted">Photos not matted yet are left out too if the matte flags them for review.</p>
        )}
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          <button
            type="submit"
            className="primary"
            disabled={!outDir.trim() || starting || targets.length === 0 || !!templateProblem(nameTemplate.trim() || '{name}')}
            data-testid="export-start"
          >
            {starting ? 'Starting…' : 'Export'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
