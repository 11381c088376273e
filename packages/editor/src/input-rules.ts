/**
 * Markdown-style shortcuts typed at the start of a paragraph: `# ` to `### `
 * for headings, `- ` or `* ` for a bullet list, `1. ` for an ordered list,
 * `> ` for a quote, three backticks for a code block, `---` for a rule.
 */
import { schema } from '@ortak/schema'
import { InputRule, inputRules, textblockTypeInputRule, wrappingInputRule } from 'prosemirror-inputrules'
import type { Plugin } from 'prosemirror-state'

const { nodes } = schema

const horizontalRule = new InputRule(/^---$/, (state, _match, start, end) => {
  const $start = state.doc.resolve(start)
  if ($start.parent.type !== nodes.paragraph) return null
  // Replace the whole paragraph holding the dashes, and leave an empty paragraph after the rule to type in.
  const from = $start.before()
  const to = $start.after()
  if (end !== to - 1 || start !== from + 1) return null
  return state.tr.replaceWith(from, to, [nodes.horizontal_rule!.create(), nodes.paragraph!.create()])
    .scrollIntoView()
})

export function markdownInputRules(): Plugin {
  return inputRules({
    rules: [
      textblockTypeInputRule(/^(#{1,3})\s$/, nodes.heading!, (match) => ({ level: match[1]!.length })),
      wrappingInputRule(/^\s*([-*])\s$/, nodes.bullet_list!),
      wrappingInputRule(
        /^(\d+)\.\s$/,
        nodes.ordered_list!,
        (match) => ({ order: Number(match[1]) }),
        (match, node) => node.childCount + (node.attrs.order as number) === Number(match[1]),
      ),
      wrappingInputRule(/^\s*>\s$/, nodes.blockquote!),
      textblockTypeInputRule(/^```$/, nodes.code_block!),
      horizontalRule,
    ],
  })
}
