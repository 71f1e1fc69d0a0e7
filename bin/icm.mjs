#!/usr/bin/env node
// The `icm` command. The engine is TypeScript; tsx compiles it on the fly so the CLI runs
// straight from a clone with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
