// The domain's words, written down once: each list is `as const`, and the types, validators and
// derived tables come from it. The CLI, the service, the Electron main process, the HTTP bridge and
// the UI all read them from here (plain data and pure functions: no Node, no DOM).

/** True when `v` is one of `list` (and narrows it). */
export function isOneOf<const T extends readonly string[]>(list: T, v: unknown): v is T[number] {
  return typeof v === 'string' && (list as readonly string[]).includes(v);
}

/** "a, b, c or d", for messages. */
export function wordList(list: readonly string[], last = 'or'): string {
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} ${last} ${list[list.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// Execution providers and model packs

/** What a user may ask for; 'auto' picks the best available (engine: model-pack/load.ts). */
export const PROVIDERS = ['auto', 'cpu', 'cuda', 'dml'] as const;
export type ProviderChoice = (typeof PROVIDERS)[number];

/** The packs the app and `--pack` know by name; each is the model pack `isnet-<name>`. */
export const PACKS = ['medium', 'small'] as const;
export type PackName = (typeof PACKS)[number];
export const DEFAULT_PACK: PackName = 'medium';

/** The model pack id of a pack name (`medium` → `isnet-medium`). */
export function packIdOf(name: PackName): `isnet-${PackName}` {
  return `isnet-${name}`;
}

/**
 * A `--pack` value: a pack name (`medium`), or anything else as it is (another pack id under the
 * models folder, or a pack folder).
 */
export function resolvePackArg(v: string | undefined): string {
  if (v === undefined) return packIdOf(DEFAULT_PACK);
  return isOneOf(PACKS, v) ? packIdOf(v) : v;
}

// ---------------------------------------------------------------------------------------------
// Images the app reads

/** File types that are imported and matted (lower case, with the dot). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp'] as const;
export const IMAGE_TYPES_TEXT = 'JPEG, PNG, TIFF or WebP';

/** Whether a file name (or path) has one of the image extensions (any case). */
export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

// ---------------------------------------------------------------------------------------------
// Export formats and the export file-name rule

export const EXPORT_FORMATS = ['alpha-png', 'cutout-png', 'cutout-tiff', 'cutout-webp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_FORMAT_INFO: Record<ExportFormat, { label: string; ext: string; sixteenBit: boolean }> = {
  'alpha-png': { label: 'Alpha matte (PNG, greyscale)', ext: '.png', sixteenBit: true },
  'cutout-png': { label: 'Cutout, RGBA PNG', ext: '.png', sixteenBit: true },
  'cutout-tiff': { label: 'Cutout, RGBA TIFF', ext: '.tif', sixteenBit: true },
  'cutout-webp': { label: 'Cutout, RGBA WebP', ext: '.webp', sixteenBit: false },
};

export const BIT_DEPTHS = [8, 16] as const;

/** Clips with alpha a sequence is exported as (`icm matte --clip`, engine/video/clip-writer.ts): WebM VP9, animated WebP, ProRes 4444 MOV. */
export const CLIP_FORMATS = ['webm', 'webp', 'prores'] as const;
export type ClipFormat = (typeof CLIP_FORMATS)[number];

/** Crop to the product (ExportOptions.crop): the frame's aspect, and the unit of its margin. */
export const CROP_ASPECTS = ['original', '1:1', '4:5', '3:4'] as const;
export type CropAspect = (typeof CROP_ASPECTS)[number];
export const CROP_MARGIN_UNITS = ['percent', 'px'] as const;
export type CropMarginUnit = (typeof CROP_MARGIN_UNITS)[number];

/** Tokens of ExportOptions.nameTemplate. */
export const NAME_TOKENS = ['{name}', '{index}', '{format}'] as const;
export const DEFAULT_NAME_TEMPLATE = '{name}';
// A file-name template may use only these tokens and characters that are safe in file names.
const TEMPLATE = /^(?:[A-Za-z0-9 _.,()+@=-]|\{name\}|\{index\}|\{format\})+$/;

/** Why a file-name template is refused (for a message after the field's name), or null. */
export function nameTemplateProblem(t: string): string | null {
  if (!TEMPLATE.test(t) || t.startsWith('.'))
    return 'may contain letters, digits, spaces, _ . , ( ) + @ = - and the tokens {name} {index} {format}';
  if (!t.includes('{name}') && !t.includes('{index}')) return 'must contain {name} or {index}, or every photo would get the same file name';
  return null;
}

/** Export file name (without folder) of the photo at `index` (0-based) of `count`. */
export function exportFileName(template: string, photoName: string, index: number, count: number, format: ExportFormat): string {
  const dot = photoName.lastIndexOf('.');
  const stem = dot > 0 ? photoName.slice(0, dot) : photoName;
  const width = Math.max(3, String(count).length);
  const name = template
    .replaceAll('{name}', stem)
    .replaceAll('{index}', String(index + 1).padStart(width, '0'))
    .replaceAll('{format}', format);
  // Photo names come from the file system: keep the result a plain file name.
  const safe =
    name
      .replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_')
      .replace(/^\.+/, '_')
      .trim() || `photo-${index + 1}`;
  return safe + EXPORT_FORMAT_INFO[format].ext;
}

/** Two photos with the same export name: the second gets `-2`, the third `-3` (before the extension). */
export function numberedName(name: string, n: number): string {
  return n <= 1 ? name : name.replace(/(\.[^.]+)$/, `-${n}$1`);
}

// ---------------------------------------------------------------------------------------------
// Review: the user's call on a photo, and which photos an export takes

/** The user's call on a photo (PhotoInfo.approval): approved = exported even when flagged; excluded = never exported by default. */
export const APPROVALS = ['approved', 'excluded'] as const;
export type Approval = (typeof APPROVALS)[number];

/** Which photos an export takes (ExportOptions.scope): 'ready' (default) approved or not flagged; 'all' every photo. */
export const EXPORT_SCOPES = ['ready', 'all'] as const;
export type ExportScope = (typeof EXPORT_SCOPES)[number];

/** Why the default export leaves a photo out. */
export const LEFT_OUT_REASONS = ['needs-review', 'excluded', 'failed'] as const;
export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

/**
 * Why the default ('ready') export leaves this photo out, or null when it takes it: excluded by
 * the user; failed or missing; flagged by the engine and not approved. One rule for the service's
 * export and the UI's count before it.
 */
export function leftOutReason(p: { state: string; approval: Approval | null; flagged: boolean }): LeftOutReason | null {
  if (p.approval === 'excluded') return 'excluded';
  if (p.state === 'failed' || p.state === 'missing') return 'failed';
  if (p.flagged && p.approval !== 'approved') return 'needs-review';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Errors across the boundary

/** Codes of the contract's errors (ApiErrorShape.code): the UI's logic reads these, people read the message. */
export const API_ERROR_CODES = ['invalid-argument', 'not-found', 'busy', 'engine', 'io', 'cancelled', 'internal'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

// ---------------------------------------------------------------------------------------------
// A target's result: what the head decided (kept/dropped objects, confidence, review flag)

/** The head's decision for one target, as the engine reports it and the UI and CLI word it. */
export interface Decision {
  /** Candidates the head kept (none: the product was not found, empty matte) and other objects (salient regions) it left out. */
  kept: number;
  dropped: number;
  /** How sure the head is of its keep/drop decisions, [0, 1]. */
  confidence: number;
  /** The photo needs a look; `reason` says why. */
  review: boolean;
  reason?: string;
}

export interface ResultTimings {
  backboneMs: number;
  similarityMs: number;
  headMs: number;
  composeMs: number;
  totalMs: number;
}

/** Fields of a target's result that cross the boundary (TargetResultInfo); `pickResult` copies exactly these. */
export const RESULT_FIELDS = ['kept', 'dropped', 'confidence', 'review', 'reason', 'gridSize', 'scales', 'timings'] as const;

export interface TargetResultInfo extends Decision {
  /** Grid side of the heatmaps (S and S′). */
  gridSize: number;
  /** Scales with their own S′ map (asset kind `intra@<id>`), coarse to fine. */
  scales: Array<{ id: string; side: number }>;
  timings: ResultTimings;
}

/** The contract's result from a larger object (the engine's reply): RESULT_FIELDS only, no undefined keys. */
export function pickResult(r: TargetResultInfo): TargetResultInfo {
  const out: Record<string, unknown> = {};
  for (const k of RESULT_FIELDS) if (r[k] !== undefined) out[k] = r[k];
  return out as unknown as TargetResultInfo;
}

// Compile-time checks that the lists above and the types they describe agree.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type Assert<T extends true> = T;
export type { Equal };
export type _ResultFieldsAreTheResult = Assert<Equal<(typeof RESULT_FIELDS)[number], keyof TargetResultInfo>>;
