import { describe, expect, it } from 'vitest'
import { JSDOM } from 'jsdom'
import type { Node, NodeSpec, TagParseRule } from 'prosemirror-model'
import { tableNodes as prosemirrorTableNodes } from 'prosemirror-tables'
import { schema } from '../src/index.js'
import { tableNodes } from '../src/table-nodes.js'

const { window } = new JSDOM('')

// What the schema's table nodes are written out from; only the cell attributes' validation is the schema's own.
const expected = prosemirrorTableNodes({ tableGroup: 'block', cellContent: 'block+', cellAttributes: {} })
const names = ['table', 'table_row', 'table_cell', 'table_header'] as const

/** A spec without its functions (render and parse rules, validators), which are compared by what they do. */
function plainPart(spec: NodeSpec): unknown {
  return JSON.parse(JSON.stringify({ ...spec, attrs: Object.fromEntries(Object.entries(spec.attrs ?? {}).map(([key, attr]) => [key, { default: attr.default }])) }))
}

const cell = (name: 'table_cell' | 'table_header', attrs: Record<string, unknown>): Node =>
  schema.nodes[name]!.create(attrs, schema.nodes.paragraph!.create())

const cellAttrSets = [
  {},
  { colspan: 2 },
  { rowspan: 3 },
  { colspan: 2, colwidth: [100, 120] },
  { colwidth: [80] },
]

const cellHtml = [
  '<td></td>', '<td colspan="2"></td>', '<td rowspan="4"></td>', '<td colspan="2" data-colwidth="100,120"></td>',
  '<td data-colwidth="100,120"></td>', '<td data-colwidth="abc"></td>', '<td colspan="1" data-colwidth="90"></td>',
]

describe("the schema's table nodes", () => {
  it('are the nodes prosemirror-tables makes, in its order, with the same content, roles, groups and attribute defaults', () => {
    expect(Object.keys(tableNodes)).toEqual(Object.keys(expected))
    for (const name of names) expect(plainPart(tableNodes[name]), name).toEqual(plainPart(expected[name]))
  })

  it('render every cell as prosemirror-tables renders it', () => {
    for (const name of ['table', 'table_row'] as const) {
      const node = schema.nodes[name]!.createAndFill()!
      expect(tableNodes[name].toDOM!(node), name).toEqual(expected[name].toDOM!(node))
    }
    for (const name of ['table_cell', 'table_header'] as const) {
      for (const attrs of cellAttrSets) {
        const node = cell(name, attrs)
        expect(tableNodes[name].toDOM!(node), `${name} ${JSON.stringify(attrs)}`).toEqual(expected[name].toDOM!(node))
      }
    }
  })

  it('read every cell from HTML as prosemirror-tables reads it', () => {
    for (const name of ['table_cell', 'table_header'] as const) {
      const ours = tableNodes[name].parseDOM![0] as TagParseRule
      const theirs = expected[name].parseDOM![0] as TagParseRule
      expect(ours.tag).toBe(theirs.tag)
      for (const html of cellHtml) {
        const holder = window.document.createElement('tr')
        holder.innerHTML = html.replaceAll('td', ours.tag!)
        const element = holder.firstElementChild as HTMLElement
        expect(ours.getAttrs!(element), `${name} ${html}`).toEqual(theirs.getAttrs!(element))
      }
    }
  })
})
