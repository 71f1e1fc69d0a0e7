// The contract's photos: what the UI is told about each photo, what an import did, and the prompts
// and corrections the user draws on them (part of contract.ts, which re-exports it; import that).
import type { Approval, TargetResultInfo } from './vocabulary';

// ---------------------------------------------------------------------------------------------
// Photos

export type PhotoState = 'new' | 'queued' | 'running' | 'done' | 'failed' | 'missing';

export interface PhotoInfo {
  id: string;
  /** File name shown to the user. */
  name: string;
  /** Absolute path on the machine running the service. */
  path: string;
  width: number;
  height: number;
  /** Bits per channel of the file (8 or 16). */
  bitDepth: number;
  state: PhotoState;
  /** Why it failed or is missing (one line, names the file). */
  error?: string;
  /** The photo is one of the references (matted from its own prompt, and exported with the others). */
  isReference: boolean;
  /** The user's call on it (approved, excluded), or null when not decided; saved in the project. */
  approval: Approval | null;
  /** Bumps whenever the photo's result changes: asset URLs carry it so the UI never shows a stale matte. */
  version: number;
  /** Set when done: what the head kept and how long it took. */
  result?: TargetResultInfo;
  hasCorrection: boolean;
}

export interface ImportFailure {
  path: string;
  reason: string;
}

export interface ImportSummary {
  added: number;
  skippedDuplicates: number;
  failed: ImportFailure[];
}

// ---------------------------------------------------------------------------------------------
// Prompts, kept as vectors in the image's pixel coordinates and rendered to a mask at the image's
// resolution by the service. Shapes are applied in order: 'add' paints the object in, 'erase'
// paints it out (so an eraser stroke after a brush stroke removes part of it).

export type Point = [number, number];

export type PromptShape =
  | { kind: 'brush'; mode: 'add' | 'erase'; size: number; points: Point[] }
  | { kind: 'lasso'; mode: 'add' | 'erase'; points: Point[] }
  | { kind: 'box'; x0: number; y0: number; x1: number; y1: number }
  | { kind: 'point'; x: number; y: number };

export interface ReferencePrompt {
  shapes: PromptShape[];
  /**
   * What painted strokes mean: 'mask' (the product painted in; default) or 'scribble' (a few
   * strokes on it, grown by the prompt extension, paper §3.6). Boxes and points alone are used as
   * box / points prompts.
   */
  brushMeans: 'mask' | 'scribble';
  /**
   * Set on a photo promoted to a reference from its matte (promoteToReference): the id of that
   * matte, kept by the service and saved in the project. The product is where the matte is at
   * least half opaque, and the shapes are not used.
   */
  matte?: string;
}

export interface ReferenceSpec {
  photoId: string;
  prompt: ReferencePrompt;
}

/** What promoting a photo to a reference did (promoteToReference). */
export interface PromoteSummary {
  /** The run that mattes the flagged photos again with the enlarged references (and the new reference itself). */
  jobId: string;
  /** Photos matted again: done, flagged for review, with no decision and no correction of the user's. */
  rematting: string[];
  /** Photos that keep their current matte and flag: approved, excluded, corrected, or not flagged. */
  kept: string[];
}

/** A per-target fix: strokes that add to or remove from that target's matte (target pixels). */
export interface Correction {
  strokes: Array<{ mode: 'add' | 'remove'; size: number; points: Point[] }>;
}
