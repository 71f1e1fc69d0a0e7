// The export form's fields (defaults from the shoot settings) and the options they ask for.
import { useState } from 'react';
import type { CropAspect, CropMarginUnit, ExportFormat, ExportOptions, ExportScope, ShootSettings } from '../../../shared/contract';
import { nameTemplateProblem } from '../../../shared/vocabulary';

/** Why a template would be refused (the service checks the same rule), or null. */
export function templateProblem(t: string): string | null {
  const problem = nameTemplateProblem(t);
  return problem && `The name ${problem}.`;
}

export function useExportForm(defaults: ShootSettings['exportDefaults'] | undefined) {
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
  const effectiveDepth = format === 'cutout-webp' ? 8 : bitDepth;
  return {
    outDir,
    setOutDir,
    format,
    setFormat,
    bitDepth,
    setBitDepth,
    effectiveDepth,
    useBackground,
    setUseBackground,
    background,
    setBackground,
    nameTemplate,
    setNameTemplate,
    overwrite,
    setOverwrite,
    decontaminate,
    setDecontaminate,
    premultiplied,
    setPremultiplied,
    crop,
    setCrop,
    cropMargin,
    setCropMargin,
    cropUnit,
    setCropUnit,
    cropAspect,
    setCropAspect,
    cropSize,
    setCropSize,
    scope,
    setScope,
  };
}

export type ExportForm = ReturnType<typeof useExportForm>;

/** The options the form asks for (an alpha matte has no background, edge colour or alpha mode). */
export function exportOptionsOf(form: ExportForm): ExportOptions {
  const { outDir, format, effectiveDepth, nameTemplate, overwrite, scope, useBackground, background } = form;
  const { decontaminate, premultiplied, crop, cropMargin, cropUnit, cropAspect, cropSize } = form;
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
  return options;
}
