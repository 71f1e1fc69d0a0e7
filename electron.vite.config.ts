// electron-vite configuration of the desktop app (`npm start` = electron-vite dev, `npm run build`).
// Outputs: out/main/index.js (ESM, package.json "main") + out/main/engine-worker.js (the engine
// host, a worker thread), out/preload/index.cjs, out/renderer/index.html.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    // Dependencies (onnxruntime-node, sharp, ...) stay external and load from node_modules; the
    // engine and the service (plain TypeScript) are bundled.
    build: {
      rollupOptions: {
        input: { index: here('./src/main/index.ts'), 'engine-worker': here('./src/service/engine-worker.ts') },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    // The window is sandboxed, and a sandboxed preload must be a single CommonJS file that only
    // requires 'electron': so CJS, everything bundled, no code splitting.
    build: {
      lib: { entry: here('./src/preload/index.ts'), formats: ['cjs'] },
      rollupOptions: { output: { entryFileNames: 'index.cjs' } },
    },
  },
  renderer: {
    root: here('./src/renderer'),
    esbuild: { jsx: 'automatic' },
    build: {
      rollupOptions: { input: here('./src/renderer/index.html') },
    },
  },
});
