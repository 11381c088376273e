/**
 * Vite's view of the workspace packages: `@ortak/<name>` is read from
 * `packages/<name>/src/index.ts`, and a subpath the package exports
 * (`@ortak/schema/spec`) from the source file of that name, as the `paths`
 * of tsconfig.json say for tsc and tsx. The packages' exports point at
 * dist/, which is what an installed package has; inside the repository, tests, the demo app and
 * the standalone script are built from the sources, so nothing reads a
 * stale dist/ and no package has to be built before another is tested.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Alias } from 'vite'

const packagesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'packages')

export function workspaceSourceAliases(): Alias[] {
  return fs.readdirSync(packagesDir)
    .filter((name) => fs.existsSync(path.join(packagesDir, name, 'src/index.ts')))
    .flatMap((name) => [
      ...subpathsOf(name).map((subpath) => ({ find: new RegExp(`^@ortak/${name}/${subpath}$`), replacement: path.join(packagesDir, name, `src/${subpath}.ts`) })),
      { find: new RegExp(`^@ortak/${name}$`), replacement: path.join(packagesDir, name, 'src/index.ts') },
    ])
}

/** The subpaths (`spec` for `./spec`) a package exports besides its main entry. */
function subpathsOf(name: string): string[] {
  const { exports = {} } = JSON.parse(fs.readFileSync(path.join(packagesDir, name, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> }
  return Object.keys(exports).filter((key) => /^\.\/[\w-]+$/.test(key)).map((key) => key.slice(2))
}
