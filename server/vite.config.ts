/**
 * Compiles the server ahead of time into dist/: plain JavaScript that
 * `node` runs with no loader, as CommonJS so that bin/ortak.js can compile
 * it with V8's code cache (src/code-cache.ts). Our modules, the workspace packages and the
 * libraries the server loads at start-up are bundled, so a start reads a
 * few files instead of several hundred. Left as imports of installed
 * packages (the `dependencies` of package.json): better-sqlite3 (native
 * code), jsdom (it reads its own files at run time), and what one feature
 * loads on first use: pg (PostgreSQL), ioredis (Redis), pino-pretty (logs
 * in a terminal).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import { workspaceSourceAliases } from '../workspace-sources.js'

const serverDir = path.dirname(fileURLToPath(import.meta.url))
const installed = ['better-sqlite3', 'jsdom', 'pg', 'ioredis', 'pino-pretty']

/**
 * A file compiled through `vm.Script` (src/code-cache.ts) cannot run import() without an experimental Node API:
 * installed packages are required (createRequire) and our own lazy modules become require() in CommonJS output.
 */
const noDynamicImport: Plugin = {
  name: 'ortak-no-dynamic-import',
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type === 'chunk' && /\bimport\(/.test(chunk.code)) {
        this.error(`${chunk.fileName} calls import(), which the code cache's vm.Script cannot run: require the package instead`)
      }
    }
  },
}

export default defineConfig({
  root: serverDir,
  plugins: [noDynamicImport],
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
      input: { main: 'src/main.ts', ortak: 'src/cli/ortak.ts', 'code-cache': 'src/code-cache.ts' },
      output: {
        format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs',
        // V8 keeps each module's source text for as long as the process runs, in two bytes a character once a
        // single character of it is not Latin-1 (a bullet in a comment, a literal U+FFFD): ASCII-only source and
        // no doc comments halve what an idle server holds for its code, and give the parser less to read.
        charset: 'ascii',
        comments: { legal: true, annotation: true, jsdoc: false },
      },
    },
  },
})
