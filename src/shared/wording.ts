// Words shared by the CLI and the app's UI, so both describe a result the same way.

/** The head's decision for a CLI line: "kept 1 dropped 2 confidence 0.93", plus "review: <reason>" when the photo needs a look. */
export function decisionLabel(r: { kept: number; dropped: number; confidence: number; review: boolean; reason?: string }): string {
  return `kept ${r.kept} dropped ${r.dropped} confidence ${r.confidence.toFixed(2)}${r.review ? ` review: ${r.reason ?? 'unsure'}` : ''}`;
}
