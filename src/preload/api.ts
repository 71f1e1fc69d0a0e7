// The one place that defines what the renderer may ask of the main process: the IPC channel
// names and the typed `window.icm` API the preload exposes. Main, preload and renderer all import
// this file (the renderer for types only). Keep it narrow: every method is a deliberate capability.

export const ICM_CHANNELS = {
  version: 'icm:version',
} as const;

export type IcmChannel = (typeof ICM_CHANNELS)[keyof typeof ICM_CHANNELS];

export interface IcmApi {
  /** Version of the app (package.json "version"). */
  version(): Promise<string>;
}
