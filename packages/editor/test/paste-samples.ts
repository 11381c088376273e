/**
 * The clipboard samples in paste-samples/: for each source, the HTML it puts on the clipboard (`<name>.html`,
 * written by hand after what the program writes) and the document a paste of it into an empty editor must give
 * (`<name>.json`, ProseMirror JSON).
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const samplesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'paste-samples')

export const pasteSamples = fs.readdirSync(samplesDir).filter((name) => name.endsWith('.html')).sort().map((name) => ({
  name: name.replace(/\.html$/, ''),
  html: fs.readFileSync(path.join(samplesDir, name), 'utf8'),
  expected: JSON.parse(fs.readFileSync(path.join(samplesDir, name.replace(/\.html$/, '.json')), 'utf8')) as Record<string, unknown>,
}))
