// ESLint (flat config): typescript-eslint's recommended rules, React hooks and jsx-a11y for the UI,
// and the layers as import rules. The layers, from the bottom:
//   src/engine    pure TypeScript (image I/O, models, similarity, head); imports none of the layers above
//   src/service   the inference service; imports the engine and the contract
//   src/shared    the contract and the vocabulary: plain data and pure functions, imports no layer
//   src/renderer  the UI; imports only the contract (and the preload's type), no engine, no service, no Node
//   src/main, src/preload, src/server, src/cli   hosts of the service (Electron, HTTP, the command line)
// tests/unit/lint.test.ts proves the layer rules bite (a renderer file that imports the engine fails).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import globals from 'globals';

/** An import of another layer's folder from anywhere below src/ (relative imports only: the layers are folders of src). */
const layer = (names, why) => ({ regex: `^(\\.\\.?/)+(${names.join('|')})(/|$)`, message: why });
const NODE_BUILTINS = [...new Set(builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]))];

const restrict = (files, patterns, paths = []) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns, paths }] },
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'scratch/**', 'resources/**', 'docs/**', '.bench-out/**', 'mattes/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are kept on purpose (type-level checks, unused callback arguments).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters in regexes are deliberate (file-name sanitising, one-line messages).
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs['recommended-latest'].rules,
  },
  { files: ['src/renderer/**/*.tsx'], ...jsxA11y.flatConfigs.recommended },

  // The layers.
  restrict(
    ['src/engine/**'],
    [
      layer(
        ['service', 'main', 'preload', 'renderer', 'server', 'cli'],
        'the engine is the bottom layer: it must not import the service, the hosts or the UI',
      ),
    ],
    [{ name: 'electron', message: 'the engine runs in plain Node (CLI, worker thread): no Electron' }],
  ),
  restrict(
    ['src/service/**'],
    [layer(['main', 'preload', 'renderer', 'server', 'cli'], 'the service must not import its hosts or the UI')],
    [{ name: 'electron', message: 'the service runs in plain Node (serve mode, tests)' }],
  ),
  restrict(
    ['src/shared/**'],
    [
      layer(
        ['engine', 'service', 'main', 'preload', 'renderer', 'server', 'cli'],
        'src/shared is the contract: plain data and pure functions, no layer below or above',
      ),
      { regex: '^node:', message: 'src/shared runs in the browser too: no Node modules' },
    ],
    NODE_BUILTINS.map((name) => ({ name, message: 'src/shared runs in the browser too: no Node modules' })),
  ),
  restrict(
    ['src/renderer/**'],
    [
      layer(
        ['engine', 'service', 'main', 'server', 'cli'],
        'the UI talks to the service only through the contract (src/shared) and the bridge',
      ),
      { regex: '^node:', message: 'the renderer is sandboxed: no Node modules' },
    ],
    [
      ...NODE_BUILTINS.map((name) => ({ name, message: 'the renderer is sandboxed: no Node modules' })),
      ...['electron', 'sharp', 'onnxruntime-node', 'onnxruntime-web'].map((name) => ({
        name,
        message: 'the renderer is sandboxed: it reaches these only through the service',
      })),
    ],
  ),
  restrict(
    ['src/preload/**'],
    [
      layer(['engine', 'service', 'main', 'server', 'cli', 'renderer'], 'the preload only carries the contract'),
      { regex: '^node:', message: 'a sandboxed preload may only use electron' },
    ],
  ),

  {
    files: ['tests/**', 'scripts/**', 'bin/**', '*.config.{js,ts}', '.ci/**'],
    // Tests poke at data of unknown shape (parsed JSON, protobuf fields).
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
