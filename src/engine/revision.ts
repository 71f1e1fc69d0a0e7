/**
 * Bump when a code change alters mattes for the same inputs and settings, so kept results of the
 * old code are recomputed instead of reused: `icm matte` reruns (report.json) and the app's
 * result cache both key on it.
 *   2: the selection head (candidates kept or dropped whole)
 *   3: the full-resolution refinement stage (pipeline/refine.ts)
 *   4: the review model (confidence and review flag, selection.ts)
 */
export const ENGINE_REVISION = 4;
