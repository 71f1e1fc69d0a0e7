#!/usr/bin/env node
// The `icm` command. The engine is TypeScript; tsx compiles it on the fly so the CLI runs
// straight from a clone with no build step.
//
// tsx's on-disk compile cache (os.tmpdir()/tsx-<uid>) is turned off: `icm` writes nothing outside
// its output folder, the app's data folder and its own temp names (tests/reliability). Compiling
// the sources each run costs a few hundred ms against a model load of seconds. tsx reads the
// variable when its module loads, hence the dynamic import.
if (process.env.TSX_DISABLE_CACHE === undefined) process.env.TSX_DISABLE_CACHE = '1';
const { register } = await import('tsx/esm/api');

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
