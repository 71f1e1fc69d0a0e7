// `icm` — the headless in-context matting CLI.
//   icm matte --reference REF --mask MASK --out DIR TARGET...
//   icm bench DIR [--prompt mask|points] [--method icm|isnet-alone] [--out DIR]
//   icm prepare-models [--quiet]
//   icm serve [--port N] [--root DIR]...       (every command: --help; icm --version)
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { ImageInputError, ImageOutputError } from '../engine/io/images';
import { ModelPackError } from '../engine/model-pack/manifest';
import { prepareModels } from '../engine/model-pack/prepare';
import { matteCommand } from './matte-command';
import { benchCommand } from './bench-command';
import { engineResources, packId, providerArg } from './host-options';
import { firstLine, has, last, parseOrHelp, UsageError } from './args';
import { COMMANDS, PREPARE, SERVE } from './commands';
import { isOneOf, PACKS, wordList } from '../shared/vocabulary';
import { ReportError } from './report';

const USAGE = [
  'usage:',
  ...COMMANDS.flatMap((c) => c.usage.map((u) => `  ${u}`)),
  '  icm <command> --help     the flags of a command',
  '  icm --version',
].join('\n');

/** The package's version (package.json beside src/). */
async function version(): Promise<string> {
  const pkg = JSON.parse(await fsp.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'matte':
        return await matteCommand(rest);
      case 'bench':
        return await benchCommand(rest);
      case 'prepare-models':
        return await prepareCommand(rest);
      case 'serve':
        return await serveCommand(rest);
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`icm ${await version()}\n`);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    return reportFatal(e);
  }
}

function reportFatal(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`icm: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  const msg =
    e instanceof ImageInputError || e instanceof ImageOutputError || e instanceof ModelPackError || e instanceof ReportError
      ? e.message
      : `${(e as Error)?.message ?? e}`;
  process.stderr.write(`icm: error: ${firstLine(msg)}\n`);
  if (process.env.ICM_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 1;
}

async function prepareCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(PREPARE, argv);
  if (!p) return 0;
  const packs = p.flags.filter((f) => f.name === 'pack').map((f) => packId(String(f.value)));
  await prepareModels({
    packs: packs.length ? packs : [packId(undefined)],
    quiet: has(p, 'quiet'),
    modelsDir: engineResources().modelsDir,
  });
  return 0;
}

async function serveCommand(argv: string[]): Promise<number> {
  const p = parseOrHelp(SERVE, argv);
  if (!p) return 0;
  if (p.positional.length) throw new UsageError(`serve takes no positional arguments (got ${p.positional[0]})`);
  const port = last(p, 'port');
  if (port !== undefined && !/^\d+$/.test(port)) throw new UsageError('--port must be a number');
  const roots = p.flags.filter((f) => f.name === 'root').map((f) => resolve(String(f.value)));
  for (const r of roots) {
    const st = await fsp.stat(r).catch(() => null);
    if (!st?.isDirectory()) throw new UsageError(`--root ${r}: not a folder`);
  }
  const pack = last(p, 'pack');
  if (pack !== undefined && !isOneOf(PACKS, pack)) throw new UsageError(`--pack must be ${wordList(PACKS)}`);
  const provider = providerArg(last(p, 'provider'));
  const threads = last(p, 'threads');
  const { serve } = await import('../server/serve-command');
  const running = await serve({
    port: port === undefined ? undefined : Number(port),
    roots,
    stateDir: last(p, 'state-dir'),
    pack,
    provider,
    threads: threads === undefined ? undefined : Number(threads),
    build: has(p, 'build'),
  });
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
