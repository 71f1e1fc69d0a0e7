// The grid's geometry: tiles of a fixed height that stretch to fill the columns (ThumbGrid, Tile).

/** Tiles are at least this wide and stretch to fill the columns; their height is fixed. */
export const MIN_TILE_W = 140;
export const TILE_H = 166;
export const GAP = 8;
export const PAD = 10;
export const OVERSCAN_ROWS = 3;
