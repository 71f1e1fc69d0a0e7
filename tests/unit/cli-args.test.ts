// The CLI's arguments (node's util.parseArgs, strict), `icm --version` and `icm <command> --help`:
// the help of each command lists every flag the README documents for it, and exits 0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand, UsageError, helpText } from '../../src/cli/args';
import { BENCH, COMMANDS, MATTE, PREPARE, SERVE } from '../../src/cli/commands';

const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'icm.mjs');

function icm(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function usageError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof UsageError && re.test(e.message));
}

/** The flags the README documents for a command: every `--flag` in its section (and, for serve, in lines that show `icm serve`). */
function readmeFlags(command: string): Set<string> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  let text: string;
  if (command === 'serve')
    text = readme
      .split('\n')
      .filter((l) => /icm serve/.test(l))
      .join('\n');
  else {
    const start = readme.indexOf(`### \`icm ${command}\``);
    assert.ok(start >= 0, `README has a section for icm ${command}`);
    const end = readme.indexOf('\n### ', start + 1);
    text = readme.slice(start, end < 0 ? undefined : end);
  }
  return new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]));
}

describe('icm arguments (util.parseArgs)', () => {
  it('the three cases the hand parser got wrong are usage errors now', () => {
    usageError(() => parseCommand(MATTE, ['--out', '--quiet', 'a.jpg']), /^--out needs a value, not another option/);
    usageError(() => parseCommand(MATTE, ['-q', 'a.jpg']), /^unknown option -q$/);
    usageError(() => parseCommand(MATTE, ['--heatmaps=yes']), /^--heatmaps takes no value$/);
    usageError(() => parseCommand(MATTE, ['--bogus']), /^unknown option --bogus$/);
    usageError(() => parseCommand(MATTE, ['--out']), /^--out needs a value$/);
  });

  it('keeps flags in command-line order (each prompt belongs to the --reference before it), values with = or a space, -- ends the options', () => {
    const p = parseCommand(MATTE, [
      '--reference',
      'r1.jpg',
      '--mask=m1.png',
      '--reference',
      'r2.jpg',
      '--box',
      '1,2,3,4',
      '--out',
      'o',
      '--heatmaps',
      't1.jpg',
      '--',
      '--odd-name.jpg',
    ]);
    assert.deepEqual(p.flags, [
      { name: 'reference', value: 'r1.jpg' },
      { name: 'mask', value: 'm1.png' },
      { name: 'reference', value: 'r2.jpg' },
      { name: 'box', value: '1,2,3,4' },
      { name: 'out', value: 'o' },
      { name: 'heatmaps', value: true },
    ]);
    assert.deepEqual(p.positional, ['t1.jpg', '--odd-name.jpg']);
    assert.equal(p.help, false);
    assert.equal(parseCommand(SERVE, ['-h']).help, true);
  });

  it("each command's help lists every flag the README documents for it", () => {
    for (const spec of [MATTE, BENCH, PREPARE, SERVE]) {
      const help = helpText(spec);
      const documented = readmeFlags(spec.name);
      assert.ok(documented.size >= 2, `${spec.name}: found the README's flags (${[...documented].join(' ')})`);
      for (const f of documented)
        assert.match(help, new RegExp(`--${f}\\b`), `icm ${spec.name} --help lacks --${f}, which the README documents`);
      // And the other way round: the help says nothing the parser does not take.
      for (const m of help.matchAll(/^ {2}(?:-\w, )?--([a-z-]+)/gm))
        assert.ok(m[1] === 'help' || spec.flags.some((x) => x.name === m[1]), m[1]);
    }
  });

  it('icm --version and icm <command> --help exit 0 (no model is loaded)', () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const v = icm(['--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), `icm ${version}`);
    for (const spec of COMMANDS) {
      const r = icm([spec.name, '--help']);
      assert.equal(r.code, 0, `icm ${spec.name} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: icm ${spec.name}\\b`));
      assert.equal(r.stderr, '');
    }
    const bad = icm(['matte', '--heatmaps=yes']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^icm: --heatmaps takes no value$/m);
  });
});
