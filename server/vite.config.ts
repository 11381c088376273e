/**
 * Compiles the server ahead of time into dist/: plain JavaScript that
 * `node` runs with no loader. Our modules, the workspace packages and the
 * libraries the server loads at start-up are bundled, so a start reads a
 * few files instead of several hundred. Left as imports of installed
 * packages (the `dependencies` of package.json): better-sqlite3 (native
 * code), jsdom (it reads its own files at run time), and what one feature
 * loads on first use: pg (PostgreSQL), ioredis (Redis), pino-pretty (logs
 * in a terminal).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { workspaceSourceAliases } from '../workspace-sources.js'

const serverDir = path.dirname(fileURLToPath(import.meta.url))
const installed = ['better-sqlite3', 'jsdom', 'pg', 'ioredis', 'pino-pretty']

export default defineConfig({
  root: serverDir,
  publicDir: false,
  logLevel: 'warn',
  resolve: { alias: workspaceSourceAliases() },
  ssr: { noExternal: true, external: installed, target: 'node' },
  build: {
    ssr: true,
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rolldownOptions: {
      input: { main: 'src/main.ts', ortak: 'src/cli/ortak.ts' },
      output: {
        format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js',
        // V8 keeps each module's source text for as long as the process runs, in two bytes a character once a
        // single character of it is not Latin-1 (a bullet in a comment, a literal U+FFFD): ASCII-only source and
        // no doc comments halve what an idle server holds for its code, and give the parser less to read.
        charset: 'ascii',
        comments: { legal: true, annotation: true, jsdoc: false },
      },
    },
  },
})
