/**
 * Builds @ortak/editor into dist/, two ways:
 * - `vite build`: the npm library, ESM in index.js, and the stylesheet as
 *   editor.css for pages that load it themselves (the script adds the same
 *   rules on its own); the dependencies stay imports, so an app bundles one
 *   copy of Yjs and ProseMirror.
 * - `vite build --mode standalone`: `ortak-editor.js`, one classic script
 *   with everything inside (works cross-origin without CORS); the demo app
 *   builds it too, next to its page, so the server hosts it for embedding.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import { workspaceSourceAliases } from '../../workspace-sources.js'

const packageDir = path.dirname(fileURLToPath(import.meta.url))
const isDependency = (id: string) => /^(yjs|y-[a-z]+|lib0|prosemirror-[a-z]+|@ortak\/[a-z-]+)(\/|$)/.test(id)

const stylesheetFile: Plugin = {
  name: 'ortak-editor-stylesheet',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'editor.css', source: fs.readFileSync(path.join(packageDir, 'src/editor.css'), 'utf8') })
  },
}

export default defineConfig(({ mode }) => mode === 'standalone'
  ? {
    root: packageDir,
    publicDir: false,
    resolve: { alias: workspaceSourceAliases() },
    build: {
      outDir: 'dist',
      emptyOutDir: false,
      lib: { entry: 'src/standalone.ts', name: 'Ortak', formats: ['iife'], fileName: () => 'ortak-editor.js' },
      // The editor only writes Markdown (getMarkdown), but prosemirror-markdown builds its default parser, and
      // with it markdown-it, when it loads: both are declared free of side effects here so that the unused
      // parser and markdown-it stay out of the one script (see the size check in custom-element-on-a-bare-page).
      rolldownOptions: {
        treeshake: {
          manualPureFunctions: ['MarkdownIt', 'MarkdownParser'],
          moduleSideEffects: (id: string) => !/node_modules\/(markdown-it|linkify-it|mdurl|uc\.micro|punycode\.js|entities)\//.test(id),
        },
      },
    },
  }
  : {
    root: packageDir,
    publicDir: false,
    plugins: [stylesheetFile],
    build: {
      outDir: 'dist',
      lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
      rolldownOptions: { external: isDependency },
    },
  })
