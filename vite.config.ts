// Web build of the renderer (serve mode and the browser e2e tests): src/renderer → out/renderer.
// The desktop build (electron.vite.config.ts) builds the same renderer with the same settings.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export const rendererRoot = fileURLToPath(new URL('./src/renderer', import.meta.url));

export default defineConfig({
  root: rendererRoot,
  base: './',
  // React 19 JSX without @vitejs/plugin-react (no fast refresh needed; esbuild compiles TSX).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  logLevel: 'warn',
});
