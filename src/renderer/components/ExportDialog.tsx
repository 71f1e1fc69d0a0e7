// Export: options (defaults from the shoot settings), then the job's progress, then its summary.
// By default the export takes the photos that are ready (approved, or not flagged) and says before
// and after what it left out; "all photos" takes every one.
import { useId, useMemo, useState } from 'react';
import type {
  CropAspect,
  CropMarginUnit,
  ExportFormat,
  ExportOptions,
  ExportScope,
  JobProgress,
  LeftOutReason,
} from '../../shared/contract';
import { LEFT_OUT_WORDS, leftOutWords } from '../../shared/wording';
import { leftOutNow } from '../state/review';
import {
  CROP_ASPECTS,
  DEFAULT_NAME_TEMPLATE,
  EXPORT_FORMAT_INFO,
  EXPORT_FORMATS,
  exportFileName,
  nameTemplateProblem,
} from '../../shared/vocabulary';
import { useActions, useAppState } from '../state/context';
import { formatDuration, plural } from './format';
import { Modal } from './Modal';
import { FailureList } from './FailureList';

const FORMATS = EXPORT_FORMATS.map((value) => ({ value, label: EXPORT_FORMAT_INFO[value].label }));

/** Why a template would be refused (the service checks the same rule), or null. */
function templateProblem(t: string): string | null {
  const problem = nameTemplateProblem(t);
  return problem && `The name ${problem}.`;
}

export function ExportDialog(props: { onClose(): void }) {
  const actions = useActions();
  const defaults = useAppState((s) => s.status?.settings.exportDefaults);
  const nativeDialogs = useAppState((s) => s.status?.nativeDialogs ?? false);
  const photos = useAppState((s) => s.photos);
  const order = useAppState((s) => s.order);
  const jobs = useAppState((s) => s.jobs);
  const ids = useId();

  const [outDir, setOutDir] = useState(defaults?.outDir ?? '');
  const [format, setFormat] = useState<ExportFormat>(defaults?.format ?? 'cutout-png');
  const [bitDepth, setBitDepth] = useState<8 | 16>(defaults?.bitDepth ?? 8);
  const [useBackground, setUseBackground] = useState(!!defaults?.background);
  const [background, setBackground] = useState(defaults?.background ?? '#ffffff');
  const [nameTemplate, setNameTemplate] = useState(defaults?.nameTemplate ?? '{name}');
  const [overwrite, setOverwrite] = useState(defaults?.overwrite ?? false);
  const [decontaminate, setDecontaminate] = useState(defaults?.decontaminate ?? true);
  const [premultiplied, setPremultiplied] = useState(defaults?.premultiplied ?? false);
  const [crop, setCrop] = useState(!!defaults?.crop);
  const [cropMargin, setCropMargin] = useState(
    String(defaults?.crop ? (defaults.crop.marginUnit === 'percent' ? defaults.crop.margin * 100 : defaults.crop.margin) : 5),
  );
  const [cropUnit, setCropUnit] = useState<CropMarginUnit>(defaults?.crop?.marginUnit ?? 'percent');
  const [cropAspect, setCropAspect] = useState<CropAspect>(defaults?.crop?.aspect ?? 'original');
  const [cropSize, setCropSize] = useState(defaults?.crop?.size ? String(defaults.crop.size) : '');
  const [scope, setScope] = useState<ExportScope>('ready');
  const [jobId, setJobId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  // Every photo, the references too (each is matted from its own prompt); the ready scope leaves out
  // what is excluded, failed or flagged and not approved as it stands now.
  const leftOut = useMemo(() => {
    const out: LeftOutReason[] = [];
    for (const id of order) {
      const p = photos.get(id);
      const reason = p ? leftOutNow(p) : null;
      if (reason) out.push(reason);
    }
    return out;
  }, [order, photos]);
  const targets = useMemo(
    () =>
      scope === 'all'
        ? order
        : order.filter((id) => {
            const p = photos.get(id);
            return p && !leftOutNow(p);
          }),
    [order, photos, scope],
  );
  const notMatted = useMemo(() => targets.filter((id) => photos.get(id)?.state !== 'done').length, [targets, photos]);
  const done = targets.length - notMatted;
  const first = targets.length > 0 ? photos.get(targets[0]) : undefined;
  const effectiveDepth = format === 'cutout-webp' ? 8 : bitDepth;
  const job = jobId ? jobs.get(jobId) : undefined;

  const start = async () => {
    const options: ExportOptions = {
      outDir: outDir.trim(),
      format,
      bitDepth: effectiveDepth,
      nameTemplate: nameTemplate.trim() || '{name}',
      overwrite,
      scope,
    };
    if (useBackground && format !== 'alpha-png') options.background = background;
    if (format !== 'alpha-png') {
      options.decontaminate = decontaminate;
      options.premultiplied = premultiplied && !options.background;
    }
    if (crop) {
      const m = Number(cropMargin) || 0;
      options.crop = {
        margin: cropUnit === 'percent' ? m / 100 : m,
        marginUnit: cropUnit,
        aspect: cropAspect,
        ...(Number(cropSize) >= 16 ? { size: Math.round(Number(cropSize)) } : {}),
      };
    }
    setStarting(true);
    const id = await actions.exportShoot(options);
    setStarting(false);
    if (id) setJobId(id);
  };

  if (jobId) {
    const running = !job || job.state === 'running';
    return (
      <Modal title="Export" onClose={props.onClose} testId="export-dialog">
        {running ? (
          <div className="export-progress" data-testid="export-progress">
            <progress max={Math.max(1, job?.total ?? 1)} value={job?.done ?? 0} aria-label="Export progress" />
            <p>
              {job ? `${job.done}/${job.total}` : 'Starting…'}
              {job && job.failed > 0 && <span className="text-failed"> · {job.failed} failed</span>}
              {job && job.skipped > 0 && <> · {job.skipped} skipped</>}
              {job?.etaMs != null && <> · about {formatDuration(job.etaMs)} left</>}
            </p>
            {job?.current && <p className="muted ellipsis">{job.current}</p>}
            <div className="form-actions">
              <button type="button" onClick={props.onClose} title="The export goes on; its progress stays in the status bar">
                Hide
              </button>
              <button type="button" className="danger" data-testid="export-cancel" onClick={() => void actions.cancelJob(jobId)}>
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <ExportSummary job={job!} outDir={outDir} onClose={props.onClose} />
        )}
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

          <span className="label">Crop</span>
          <div>
            <div className="row">
              <input
                id={`${ids}-crop`}
                type="checkbox"
                checked={crop}
                onChange={(e) => setCrop(e.target.checked)}
                data-testid="export-crop"
              />
              <label htmlFor={`${ids}-crop`}>Trim to the product</label>
            </div>
            {crop && (
              <div className="row">
                <label htmlFor={`${ids}-margin`}>margin</label>
                <input
                  id={`${ids}-margin`}
                  type="number"
                  min="0"
                  step="any"
                  value={cropMargin}
                  onChange={(e) => setCropMargin(e.target.value)}
                  style={{ width: '5em' }}
                  data-testid="export-crop-margin"
                />
                <select
                  value={cropUnit}
                  aria-label="Margin unit"
                  onChange={(e) => setCropUnit(e.target.value as CropMarginUnit)}
                  data-testid="export-crop-unit"
                >
                  <option value="percent">%</option>
                  <option value="px">px</option>
                </select>
                <label htmlFor={`${ids}-aspect`}>aspect</label>
                <select
                  id={`${ids}-aspect`}
                  value={cropAspect}
                  onChange={(e) => setCropAspect(e.target.value as CropAspect)}
                  data-testid="export-crop-aspect"
                >
                  {CROP_ASPECTS.map((a) => (
                    <option key={a} value={a}>
                      {a === 'original' ? 'as the photo' : a}
                    </option>
                  ))}
                </select>
                <label htmlFor={`${ids}-size`}>long side</label>
                <input
                  id={`${ids}-size`}
                  type="number"
                  min="16"
                  max="32768"
                  placeholder="as is"
                  value={cropSize}
                  onChange={(e) => setCropSize(e.target.value)}
                  style={{ width: '6em' }}
                  data-testid="export-crop-size"
                />
                <span className="muted">px</span>
              </div>
            )}
          </div>

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

/** Left-out photos named in the summary (the rest are counted). */
const SHOW_LEFT_OUT = 12;
const fileName = (path: string): string => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);

function ExportSummary({ job, outDir, onClose }: { job: JobProgress; outDir: string; onClose(): void }) {
  const s = job.summary;
  const failures = s?.failures ?? [];
  return (
    <div className="export-summary" data-testid="export-summary" data-state={job.state}>
      <p>
        {job.state === 'cancelled' ? 'Export cancelled. ' : job.state === 'failed' ? 'Export failed. ' : 'Export finished. '}
        <strong data-testid="export-written" data-count={s?.written.length ?? job.done}>
          {plural(s?.written.length ?? job.done, 'file')} written
        </strong>
        {' · '}
        <span data-testid="export-skipped" data-count={s?.skipped.length ?? job.skipped}>
          {s?.skipped.length ?? job.skipped} skipped (already exported)
        </span>
        {failures.length > 0 && <span className="text-failed"> · {failures.length} failed</span>}
        {s && <span className="muted"> · {formatDuration(s.elapsedMs)}</span>}
      </p>
      {s?.leftOut && s.leftOut.length > 0 && (
        <div data-testid="export-summary-left-out" data-count={s.leftOut.length}>
          <p>{leftOutWords(s.leftOut.map((l) => l.reason))}.</p>
          <ul className="left-out-list">
            {s.leftOut.slice(0, SHOW_LEFT_OUT).map((l) => (
              <li key={l.path} title={l.path}>
                {fileName(l.path)}: {LEFT_OUT_WORDS[l.reason]}
              </li>
            ))}
            {s.leftOut.length > SHOW_LEFT_OUT && <li className="muted">and {s.leftOut.length - SHOW_LEFT_OUT} more</li>}
          </ul>
        </div>
      )}
      <p className="muted ellipsis" title={outDir}>
        to {outDir}
      </p>
      <FailureList failures={failures} testId="export-failure" />
      <div className="form-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
