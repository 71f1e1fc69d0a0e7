// The export form's crop fields: trim to the product, with a margin, an aspect and a long side.
import type { CropAspect, CropMarginUnit } from '../../../shared/contract';
import { CROP_ASPECTS } from '../../../shared/vocabulary';
import type { ExportForm } from './exportForm';

/** `ids` is the dialog's id prefix (useId) the fields' ids are made from. */
export function ExportCropFields({ ids, form }: { ids: string; form: ExportForm }) {
  const { crop, setCrop, cropMargin, setCropMargin, cropUnit, setCropUnit, cropAspect, setCropAspect, cropSize, setCropSize } = form;
  return (
    <>
      <span className="label">Crop</span>
      <div>
        <div className="row">
          <input id={`${ids}-crop`} type="checkbox" checked={crop} onChange={(e) => setCrop(e.target.checked)} data-testid="export-crop" />
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
    </>
  );
}
