// Images the UI displays: thumbnails and previews of the photos (EXIF orientation applied), the
// result's alpha and heatmaps, and a cutout preview. Derived files live in the service's cache
// folder keyed by the source file's identity, so they are made once; a small gate keeps a burst of
// thumbnail requests (a 2,000-photo grid scrolling) from saturating the CPU the engine needs.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../engine/io/images';

export interface Asset {
  body: Buffer;
  contentType: string;
}

export interface SourceIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

/** At most `limit` concurrent tasks; the rest wait in order. */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export const THUMB_SIDE = 256;
export const PREVIEW_SIDE = 2048;

export class AssetCache {
  private readonly gate = new Gate(2);
  constructor(private readonly dir: string) {}

  private keyOf(src: SourceIdentity, kind: string): string {
    return createHash('sha1').update(`${kind}|${src.path}|${src.size}|${src.mtimeMs}`).digest('hex').slice(0, 20);
  }

  /**
   * A JPEG of the photo fitted inside side×side (cached on disk). Decoded strictly: when the
   * decoder only warns (corrupt data, the rest decoded as grey) the thumbnail is still made, not
   * cached, and `damaged` says why (the engine refuses such a file, so the photo is failed at once).
   */
  async photo(src: SourceIdentity, side: number): Promise<Asset & { damaged?: string }> {
    const file = join(this.dir, `${this.keyOf(src, `photo${side}`)}.jpg`);
    try {
      return { body: await fsp.readFile(file), contentType: 'image/jpeg' };
    } catch {
      /* not cached yet */
    }
    const make = (failOn: 'warning' | 'error') =>
      sharp(src.path, { failOn })
        .rotate()
        .resize(side, side, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .jpeg({ quality: side <= THUMB_SIDE ? 78 : 88 })
        .toBuffer();
    let body: Buffer;
    try {
      body = await this.gate.run(() => make('warning'));
    } catch (strict) {
      body = await this.gate.run(() => make('error')); // a real decode error throws here
      const why = (strict as Error).message.split('\n')[0];
      return { body, contentType: 'image/jpeg', damaged: `the file is damaged: the decoder reported "${why}"` };
    }
    await fsp.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(file, body).catch(() => undefined); // a cache miss next time is harmless
    return { body, contentType: 'image/jpeg' };
  }

  /** The photo cut out by its alpha, fitted inside PREVIEW_SIDE, as an RGBA PNG (not cached: alpha changes). */
  async cutout(src: SourceIdentity, alphaPng: string): Promise<Asset> {
    return this.gate.run(async () => {
      const colour = await sharp(src.path, { failOn: 'error' })
        .rotate()
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const { width, height } = colour.info;
      const alpha = await sharp(alphaPng).extractChannel(0).resize(width, height, { fit: 'fill' }).raw().toBuffer();
      const body = await sharp(colour.data, { raw: { width, height, channels: 3 } })
        .joinChannel(alpha, { raw: { width, height, channels: 1 } })
        .resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside', withoutEnlargement: true })
        .png({ compressionLevel: 3 })
        .toBuffer();
      return { body, contentType: 'image/png' };
    });
  }
}
