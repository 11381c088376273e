import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { workspaceSourceAliases } from './workspace-sources.js'

// Builds the demo app in editor/ into editor/dist, which the server serves at `/`,
// and is vitest's root config.
export default defineConfig({
  root: path.join(path.dirname(fileURLToPath(import.meta.url)), 'editor'),
  resolve: { alias: workspaceSourceAliases() },
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/ws': { target: 'ws://127.0.0.1:1234', ws: true } },
  },
  test: {
    root: '.',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['scripts/build-before-tests.ts'],
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          // vitest's default is one worker fewer than the cores: on a 2-core machine, one test file at a time. Most
          // of these files wait on sockets and server processes rather than on a core, so two run side by side.
          maxWorkers: Math.max(2, os.availableParallelism() - 1),
          include: ['server/**/*.test.ts', 'packages/**/*.test.ts', 'editor/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
        },
      },
      {
        // Real Chromium typing real keystrokes: run after the rest, so the browsers
        // are not competing with a dozen server processes for two cores.
        extends: true,
        test: {
          name: 'browser',
          include: ['**/*.browser.test.ts'],
          exclude: ['**/node_modules/**'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The live-server fuzz of hostile updates (`npm run fuzz` runs it alone): two minutes of a server kept
        // busy, so it runs last, alone, where it slows no timed test and no test slows it.
        extends: true,
        test: {
          name: 'fuzz',
          include: ['**/*.fuzz.ts'],
          exclude: ['**/node_modules/**'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
