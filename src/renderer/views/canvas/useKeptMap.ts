// The heatmap to show for a photo: the current result's map once it has loaded, else the map last
// shown for that photo (stale: a prompt edit or a correction is being matted), kept in KeptMaps.
import { useEffect, useState } from 'react';
import type { PhotoInfo } from '../../../shared/contract';
import type { KeptMaps } from '../../state/kept-maps';

export interface ShownMap {
  url: string;
  /** The photo's version the map was made for. */
  version: number;
  /** Made for an earlier version of the photo's result: shown dimmed until the new one arrives. */
  stale: boolean;
}

/**
 * `url` is the current map's address, or null while the photo has no result. The map is fetched
 * once and kept as an object URL; when the fetch fails the plain address is shown, so the image's
 * own error handler says what went wrong.
 */
export function useKeptMap(kept: KeptMaps, photo: PhotoInfo, asset: string, url: string | null): ShownMap | null {
  const [loaded, setLoaded] = useState<{ source: string; url: string } | null>(null);
  const { id, version } = photo;
  useEffect(() => {
    if (!url || kept.last(id, asset)?.version === version) return; // this version's map is kept already
    let cancelled = false;
    fetch(url)
      .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(`HTTP ${res.status}`))))
      .then(
        (blob) => !cancelled && setLoaded({ source: url, url: kept.keep(id, asset, version, blob) }),
        () => !cancelled && setLoaded({ source: url, url }),
      );
    return () => {
      cancelled = true;
    };
  }, [kept, id, asset, version, url]);
  const previous = kept.last(id, asset);
  if (url && previous?.version === version) return { ...previous, stale: false };
  if (url && loaded?.source === url) return { url: loaded.url, version, stale: false }; // the fetch failed: the plain address
  return previous ? { ...previous, stale: previous.version !== version || !url } : null;
}
