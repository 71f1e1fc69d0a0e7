// Helpers for maps on a square region grid (side × side, row-major), e.g. the 64² inter grid.

/** The 4-neighbours of cell i (left, right, up, down); -1 where the neighbour is outside the grid. */
export function neighbours4(i: number, side: number): [number, number, number, number] {
  const x = i % side;
  const y = (i - x) / side;
  return [x > 0 ? i - 1 : -1, x < side - 1 ? i + 1 : -1, y > 0 ? i - side : -1, y < side - 1 ? i + side : -1];
}
