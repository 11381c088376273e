import { defineConfig } from 'vitest/config'

// Builds the demo app in editor/ into editor/dist, which the server serves at `/`,
// and is vitest's root config.
export default defineConfig({
  root: 'editor',
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/ws': { target: 'ws://127.0.0.1:1234', ws: true } },
  },
  test: {
    root: '.',
    include: ['server/**/*.test.ts', 'packages/**/*.test.ts', 'editor/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
