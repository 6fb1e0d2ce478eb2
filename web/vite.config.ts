// Build of the console pages: preact components, output in dist/web, which `picket server` serves.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  build: { outDir: '../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 400 },
});
