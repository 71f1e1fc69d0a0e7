// The contract's long work: a job's progress and summary, and what an export is asked to write
// (part of contract.ts, which re-exports it; import that).
import type { CropAspect, CropMarginUnit, ExportFormat, ExportScope, LeftOutReason } from './vocabulary';
import type { ImportFailure } from './contract-photos';

// ---------------------------------------------------------------------------------------------
// Jobs

export type JobKind = 'run' | 'export' | 'import';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  done: number;
  total: number;
  failed: number;
  skipped: number;
  /** Estimated time left, from the mean time per finished item (null until one finishes). */
  etaMs: number | null;
  /** The item being worked on (file name). */
  current?: string;
  /** Filled when the job ends. */
  summary?: JobSummary;
}

export interface JobSummary {
  written: string[];
  skipped: string[];
  failures: ImportFailure[];
  /** Exports: the photos the scope left out, and why (see leftOutReason). */
  leftOut?: LeftOutPhoto[];
  elapsedMs: number;
}

export interface LeftOutPhoto {
  path: string;
  reason: LeftOutReason;
}

// ---------------------------------------------------------------------------------------------
// Export

export interface ExportCrop {
  /** Space on every side: a fraction of the output side ('percent', 0.05 = 5 %) or photo pixels ('px'). */
  margin: number;
  marginUnit: CropMarginUnit;
  aspect: CropAspect;
  /** Long side of the output in pixels; absent = the photo's scale. */
  size?: number;
}

export interface ExportOptions {
  outDir: string;
  format: ExportFormat;
  bitDepth: 8 | 16;
  /** Solid background behind the cutout ("#rrggbb"); absent = transparent. Ignored for alpha-png. */
  background?: string;
  /** Estimate the product's own colour in the soft edge (no fringe of the old background); default true. Cutouts only. */
  decontaminate?: boolean;
  /** Colour multiplied by alpha in the file (associated alpha); default false (straight). Transparent cutouts only. */
  premultiplied?: boolean;
  /** Trim to the product: bounding box + margin, aspect, long side; absent = the full frame. */
  crop?: ExportCrop;
  /**
   * File name without extension. Tokens: {name} (photo name without extension), {index}
   * (1-based, zero-padded), {format}. Default "{name}".
   */
  nameTemplate: string;
  /** Which photos (default: every photo of the shoot, the references too)… */
  photoIds?: string[];
  /** …of those, 'ready' (default): approved or not flagged (not excluded, failed or flagged unapproved); 'all': every one. */
  scope?: ExportScope;
  /** Replace existing outputs (default false: a rerun skips finished outputs). */
  overwrite?: boolean;
}
