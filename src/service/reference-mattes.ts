// Mattes kept as reference prompts ("fix one, fix the rest", issue 15 item 2): a photo promoted to
// a reference takes its final matte (the engine's plus the user's corrections) as its marking.
// Each matte is kept here as its PNG bytes under the hash of its pixels, saved inside the project
// file (not in the results cache: a cache may be deleted, a reference may not) and restored with it.
//   - the engine's prompt: the product is where the matte is at least half opaque (libvips threshold),
//   - the promoted photo's own matte: that matte exactly (reference-matte.ts).
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { writeFileAtomic } from '../engine/io/images';
import type { Prompt } from '../engine/pipeline/prompt';
import { ServiceError } from './errors';

interface KeptMatte {
  png: Buffer;
  width: number;
  height: number;
}

export class ReferenceMattes {
  private readonly mattes = new Map<string, KeptMatte>();

  has(id: string): boolean {
    return this.mattes.has(id);
  }

  /** Keeps the 8-bit grey alpha PNG at `alphaPath` (a result's alpha) as a matte; returns its id. */
  async addFromFile(alphaPath: string, width: number, height: number): Promise<string> {
    const { data, info } = await sharp(alphaPath).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height)
      throw new ServiceError('io', `the matte is ${info.width}×${info.height}, the photo ${width}×${height}`);
    // The id names the pixels (not the encoding): the same matte promoted twice is one entry.
    const id = createHash('sha256').update(`${width}x${height}:`).update(data).digest('hex').slice(0, 32);
    const png = await sharp(data, { raw: { width, height, channels: 1 } })
      .toColourspace('b-w')
      .png({ compressionLevel: 9 })
      .toBuffer();
    this.mattes.set(id, { png, width, height });
    return id;
  }

  /** The matte named `id`, checked against the photo it is the marking of. */
  private get(id: string, width: number, height: number): KeptMatte {
    const m = this.mattes.get(id);
    if (!m) throw new ServiceError('invalid-argument', `the reference's matte (${id.slice(0, 8)}…) is not in this shoot any more`);
    if (m.width !== width || m.height !== height)
      throw new ServiceError('invalid-argument', `the reference's matte is ${m.width}×${m.height}, its photo ${width}×${height}`);
    return m;
  }

  /** Checks that `id` can be the marking of a width×height photo (throws a ServiceError if not). */
  check(id: string, width: number, height: number): void {
    this.get(id, width, height);
  }

  /** The engine's prompt: a mask of the pixels at least half opaque (thresholded by libvips). */
  async enginePrompt(id: string, width: number, height: number): Promise<Prompt> {
    const m = this.get(id, width, height);
    const raw = await sharp(m.png).extractChannel(0).threshold(128, { greyscale: true }).raw().toBuffer();
    return { kind: 'mask', mask: new Uint8Array(raw.buffer, raw.byteOffset, raw.length) };
  }

  /** Writes the matte itself as `path` (the promoted photo's own alpha: exactly its matte). */
  async writeAlpha(id: string, width: number, height: number, path: string, protect: ReadonlySet<string>): Promise<void> {
    await writeFileAtomic(path, this.get(id, width, height).png, { protect });
  }

  /** The mattes `ids` name, for the project file (base64 PNG, with the size they were made at). */
  toProject(ids: Iterable<string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const id of ids) {
      const m = this.mattes.get(id);
      if (m) out[id] = m.png.toString('base64');
    }
    return out;
  }

  /** The mattes of a project file (each decoded and re-hashed: a changed one is refused). */
  static async fromProject(saved: Record<string, string>): Promise<ReferenceMattes> {
    const out = new ReferenceMattes();
    for (const [id, b64] of Object.entries(saved)) {
      const png = Buffer.from(b64, 'base64');
      const { data, info } = await sharp(png)
        .extractChannel(0)
        .raw()
        .toBuffer({ resolveWithObject: true })
        .catch(() => {
          throw new ServiceError('invalid-argument', `the matte ${id.slice(0, 8)}… in the project is not a readable image`);
        });
      const hash = createHash('sha256').update(`${info.width}x${info.height}:`).update(data).digest('hex').slice(0, 32);
      if (hash !== id) throw new ServiceError('invalid-argument', `the matte ${id.slice(0, 8)}… in the project was changed`);
      out.mattes.set(id, { png, width: info.width, height: info.height });
    }
    return out;
  }

  /** Takes the mattes of `other` instead of its own (a project opened). */
  replaceWith(other: ReferenceMattes): void {
    this.mattes.clear();
    for (const [id, m] of other.mattes) this.mattes.set(id, m);
  }

  clear(): void {
    this.mattes.clear();
  }
}
