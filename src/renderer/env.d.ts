import type { IcmApi } from '../preload/api';

declare global {
  interface Window {
    /** Exposed by src/preload/index.ts; absent when the page is opened outside the app. */
    readonly icm?: IcmApi;
  }
}

export {};
