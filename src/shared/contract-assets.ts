// The contract's images: the asset kinds the UI fetches for a photo, their URL paths, and the
// review-at-100 % zoom views (part of contract.ts, which re-exports it; import that).

/** Kinds of image the UI can fetch for a photo (see assetPath); `intra@d32` = S′ at one scale. */
export type AssetKind = 'thumb' | 'preview' | 'alpha' | 'inter' | 'intra' | 'cutout' | 'zoom' | `intra@${string}`;

const FIXED_ASSET_KINDS = new Set(['thumb', 'preview', 'alpha', 'inter', 'intra', 'cutout', 'zoom']);

/** Whether a string from a URL names an asset kind (transports check before asking the service). */
export function isAssetKind(kind: string): kind is AssetKind {
  return FIXED_ASSET_KINDS.has(kind) || /^intra@[a-z0-9]{1,16}$/.test(kind);
}

/** Path part of an asset URL; the transport prefixes it (http://127.0.0.1:port or icm-asset://app). */
export function assetPath(kind: AssetKind, photoId: string, version: number): string {
  return `/asset/${kind}/${encodeURIComponent(photoId)}?v=${version}`;
}

/**
 * Review at 100 %: one view of a target at full resolution (asset kind 'zoom'), the region of the
 * photo in photo pixels (EXIF orientation applied; it may reach past the photo), enlarged `scale`
 * times by whole pixels, showing the cutout the export would write over `background`, or the alpha.
 */
export interface ZoomView {
  left: number;
  top: number;
  width: number;
  height: number;
  scale: ZoomScale;
  /** "#rrggbb". */
  background: string;
  show: 'cutout' | 'alpha';
  /** The export's decontaminated edge colours (ExportOptions.decontaminate), or the photo's. */
  decontaminate: boolean;
}

/** The whole-pixel enlargements a zoom view may ask for. */
export const ZOOM_SCALES = [1, 2, 4, 8] as const;
export type ZoomScale = (typeof ZOOM_SCALES)[number];
/** Pixels a zoom view may have (region × scale²): a large screen at 1:1, with room. */
export const MAX_ZOOM_PIXELS = 16_000_000;

/** Path part of a zoom view's URL (as assetPath; the region rides in the query). */
export function zoomAssetPath(photoId: string, version: number, z: ZoomView): string {
  const q = `x=${z.left}&y=${z.top}&w=${z.width}&h=${z.height}&s=${z.scale}&bg=${z.background.replace('#', '')}`;
  return `${assetPath('zoom', photoId, version)}&${q}&show=${z.show}&dc=${z.decontaminate ? 1 : 0}`;
}
