// electron-vite configuration for the desktop app (next milestone: `npm start` / `npm run build`).
// electron-vite, vite and the Electron binary are not installed yet; this file is not part of the
// root tsconfig.json (see tsconfig.app.json) and nothing in `npm test` loads it.
//
// Outputs (electron-vite defaults): out/main/index.js (ESM, package.json "main"),
// out/preload/index.cjs, out/renderer/index.html.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    // Dependencies (onnxruntime-node, sharp, ...) stay external and are loaded from node_modules;
    // the engine (src/engine, plain TypeScript) is bundled into out/main.
    build: {
      lib: { entry: here('./src/main/index.ts') },
    },
  },
  preload: {
    // The window is sandboxed, and a sandboxed preload must be a single CommonJS file that only
    // requires 'electron': so CJS, everything bundled, no code splitting.
    build: {
      lib: { entry: here('./src/preload/index.ts'), formats: ['cjs'] },
      externalizeDeps: false,
    },
  },
  renderer: {
    root: here('./src/renderer'),
    build: {
      rollupOptions: { input: here('./src/renderer/index.html') },
    },
  },
});
