/**
 * Builds @ortak/editor, two ways:
 * - `vite build`: the npm library, ESM in dist/index.js; its dependencies
 *   stay imports so an app bundles one copy of Yjs and ProseMirror.
 * - `vite build --mode standalone`: `ortak-editor.js`, one classic script
 *   with everything inside (works cross-origin without CORS), written next
 *   to the demo app in editor/dist so the server hosts it for embedding.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const packageDir = path.dirname(fileURLToPath(import.meta.url))
const isDependency = (id: string) => /^(yjs|y-[a-z]+|lib0|prosemirror-[a-z]+|@ortak\/schema)(\/|$)/.test(id)

export default defineConfig(({ mode }) => mode === 'standalone'
  ? {
    root: packageDir,
    publicDir: false,
    build: {
      outDir: path.resolve(packageDir, '../../editor/dist'),
      emptyOutDir: false,
      lib: { entry: 'src/standalone.ts', name: 'Ortak', formats: ['iife'], fileName: () => 'ortak-editor.js' },
    },
  }
  : {
    root: packageDir,
    publicDir: false,
    build: {
      outDir: 'dist',
      lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
      rolldownOptions: { external: isDependency },
    },
  })
