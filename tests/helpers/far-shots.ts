// Photos of the fixture's product seen from far away (the product of ref.jpg cut out with
// ref-mask.png, shrunk and placed on the empty-set fixtures), written with sharp at test time.
// With ref.jpg as the only reference the engine is unsure of them (flagged for review); marked on
// one of them, the others look like it — the case "fix one, fix the rest" is for (issue 15 item 2).
import { join } from 'node:path';
import sharp from 'sharp';

/** The product on ref.jpg: its bounding box (ref-mask.png). */
const PRODUCT = { left: 88, top: 77, width: 140, height: 90 };

export interface FarShot {
  name: string;
  /** Where the product is (photo pixels), for a correction stroke over it. */
  product: { left: number; top: number; width: number; height: number };
}

/** The product as RGBA (its mask as alpha), `width` pixels wide, optionally recoloured. */
async function productAt(
  fixtures: string,
  width: number,
  modulate?: { brightness: number; hue: number },
): Promise<{ png: Buffer; height: number }> {
  const rgb = await sharp(join(fixtures, 'ref.jpg')).extract(PRODUCT).removeAlpha().raw().toBuffer();
  const alpha = await sharp(join(fixtures, 'ref-mask.png')).extract(PRODUCT).extractChannel(0).raw().toBuffer();
  const raw = { width: PRODUCT.width, height: PRODUCT.height, channels: 3 as const };
  const cut = await sharp(rgb, { raw })
    .joinChannel(alpha, { raw: { ...raw, channels: 1 } })
    .png()
    .toBuffer();
  let small = sharp(cut).resize(width);
  if (modulate) small = sharp(await small.png().toBuffer()).modulate(modulate);
  const png = await small.png().toBuffer();
  return { png, height: (await sharp(png).metadata()).height! };
}

/** Writes the far shots into `dir`; returns their names and where the product is in each. */
export async function writeFarShots(fixtures: string, dir: string): Promise<FarShot[]> {
  const shots = [
    { name: 'far-1.jpg', background: 'no-product-1.jpg', width: 20, left: 200, top: 150 },
    { name: 'far-2.jpg', background: 'no-product-2.jpg', width: 20, left: 80, top: 180 },
    // far-2 with a second, darker object of the same shape (the product in shadow, or another colour of it)
    { name: 'far-3.jpg', background: 'no-product-2.jpg', width: 20, left: 80, top: 180, dark: { left: 220, top: 80, width: 28 } },
  ];
  const out: FarShot[] = [];
  for (const s of shots) {
    const product = await productAt(fixtures, s.width);
    const parts = [{ input: product.png, left: s.left, top: s.top }];
    if (s.dark)
      parts.push({
        input: (await productAt(fixtures, s.dark.width, { brightness: 0.5, hue: 120 })).png,
        left: s.dark.left,
        top: s.dark.top,
      });
    await sharp(join(fixtures, s.background)).composite(parts).jpeg({ quality: 92 }).toFile(join(dir, s.name));
    out.push({ name: s.name, product: { left: s.left, top: s.top, width: s.width, height: product.height } });
  }
  return out;
}
