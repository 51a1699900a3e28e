import { defineConfig } from 'vite';

// The app's webview loads ui/dist; `npm run dev` serves the same on :1420 for `tauri dev`.
export default defineConfig({
  base: './',
  clearScreen: false,
  esbuild: { jsx: 'automatic' },
  server: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    target: 'safari15',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // TanStack Query marks its modules "use client" for server-component bundlers; meaningless here.
      onwarn(w, warn) {
        if (w.code !== 'MODULE_LEVEL_DIRECTIVE') warn(w);
      },
    },
  },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
} as import('vite').UserConfig & { test: unknown });
