// A tile's name, shortened in the middle to fit next to its state badge.
import { fitMiddle } from '../format';

/** Tile padding (2 × 5 px) and the gap before the state badge, in px. */
const NAME_CHROME_PX = 16;

let measureCtx: CanvasRenderingContext2D | null | undefined;
let fontFamily: string | undefined; // read once: getComputedStyle can force a style recalculation
const fitted = new Map<string, string>();
/** The tile name shortened in the middle to the width left next to its state badge (measured, cached). */
export function tileName(name: string, state: string, tileW: number): string {
  const key = `${tileW}|${state}|${name}`;
  const hit = fitted.get(key);
  if (hit !== undefined) return hit;
  measureCtx ??= document.createElement('canvas').getContext('2d');
  const ctx = measureCtx;
  if (!ctx) return name;
  const family = (fontFamily ??= getComputedStyle(document.body).fontFamily);
  ctx.font = `600 10px ${family}`;
  const badge = state ? ctx.measureText(state.toUpperCase()).width + state.length * 0.4 + 10 + 6 : 0; // letter-spacing, padding, gap
  ctx.font = `12px ${family}`;
  const out = fitMiddle(name, tileW - NAME_CHROME_PX - badge, (t) => ctx.measureText(t).width);
  if (fitted.size > 5000) fitted.clear();
  fitted.set(key, out);
  return out;
}
