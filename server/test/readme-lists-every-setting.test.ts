import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import { settings } from '../src/config.js'
import { repoRoot } from './helpers.js'

it('README documents every setting with its flag and variable', () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
  for (const s of settings) expect(readme).toMatch(new RegExp(`\\| \`${s.flag}\` \\| \`${s.env}\` \\|`))
})
