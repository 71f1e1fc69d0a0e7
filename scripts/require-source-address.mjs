// `npm run dist` runs this first: a released package must name its public source address in
// package.json "repository" (About links to it: the AGPL's offer of the source, in serve mode too).
// The field stays out of package.json until that address exists, so no About shows an invented
// link; this check stops a release from going out without it.
//
//   node scripts/require-source-address.mjs [path/to/package.json]
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package.json';
const pkg = JSON.parse(readFileSync(file, 'utf8'));
const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
if (!url || !url.trim()) {
  console.error(
    `${file} names no "repository": set the project's public source address there before packaging a release (README "Licence")`,
  );
  process.exit(1);
}
