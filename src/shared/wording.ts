// Words shared by the CLI and the app's UI, so both describe a result the same way.

/** Head step 4's recovered share of the kept object's area: "31%", or "381×" when it had kept almost nothing. */
export function recoveredShareLabel(share: number): string {
  return share < 10 ? `${Math.round(share * 100)}%` : `${Math.round(share)}×`;
}

/** What the head kept, for a CLI line: "object" or "whole-salient", plus "+recovered 31%" when it filled missed parts. */
export function selectionLabel(r: { selection: string; recovered: number }): string {
  return r.recovered > 0 ? `${r.selection}+recovered ${recoveredShareLabel(r.recovered)}` : r.selection;
}
