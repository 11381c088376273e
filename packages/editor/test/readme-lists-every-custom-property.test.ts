/**
 * README's table of `--ortak-…` custom properties is the editor's theming
 * contract: it lists exactly the properties editor.css declares, each with
 * the light and dark defaults the stylesheet really has, and the stylesheet
 * uses no property that is neither declared there nor set by the editor.
 */
import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import { repoRoot } from '../../../server/test/helpers.js'

const css = fs.readFileSync(path.join(repoRoot, 'packages/editor/src/editor.css'), 'utf8')
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')

/** `--ortak-x: value;` declarations in the stylesheet, as name -> [light, dark]. */
function declaredProperties(): Map<string, [string, string]> {
  const declared = new Map<string, [string, string]>()
  for (const [, name, value] of css.matchAll(/(--ortak-[a-z-]+):\s*([^;]+);/g)) {
    const pair = /^light-dark\((#[0-9a-f]+),\s*(#[0-9a-f]+)\)$/.exec(value!.trim())
    declared.set(name!, pair ? [pair[1]!, pair[2]!] : [value!.trim(), value!.trim()])
  }
  return declared
}

it('README lists every custom property editor.css declares, with its light and dark default', () => {
  const declared = declaredProperties()
  expect(declared.size).toBeGreaterThan(10)
  const rows = [...readme.matchAll(/^\| `(--ortak-[a-z-]+)` \| `([^`]+)` \| `([^`]+)` \|/gm)]
    .map(([, name, light, dark]) => [name!, [light!, dark!]] as const)
  expect(new Map(rows)).toEqual(declared)
  expect(rows.length).toBe(declared.size)
})

it('editor.css uses only the custom properties it declares, or that the editor sets on an element', () => {
  const declared = declaredProperties()
  const setByTheEditor = new Set<string>()
  for (const file of fs.readdirSync(path.join(repoRoot, 'packages/editor/src'))) {
    const source = fs.readFileSync(path.join(repoRoot, 'packages/editor/src', file), 'utf8')
    for (const [, name] of source.matchAll(/setProperty\('(--ortak-[a-z-]+)'/g)) setByTheEditor.add(name!)
  }
  const used = new Set([...css.matchAll(/var\((--ortak-[a-z-]+)\)/g)].map(([, name]) => name!))
  expect([...used].filter((name) => !declared.has(name) && !setByTheEditor.has(name))).toEqual([])
  expect(setByTheEditor).toEqual(new Set(['--ortak-person-color']))
})
