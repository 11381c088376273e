/**
 * Keyboard shortcuts. `Mod` is Cmd on macOS and Ctrl elsewhere. Undo and
 * redo go to y-prosemirror's UndoManager, which only tracks this editor's
 * own changes: undo never takes back what a collaborator typed.
 */
import { schema } from '@ortak/schema'
import { baseKeymap, chainCommands, exitCode, setBlockType } from 'prosemirror-commands'
import { undoInputRule } from 'prosemirror-inputrules'
import { keymap } from 'prosemirror-keymap'
import { liftListItem, sinkListItem, splitListItem } from 'prosemirror-schema-list'
import type { Command, Plugin } from 'prosemirror-state'
import { redoCommand, undoCommand } from 'y-prosemirror'
import {
  insertHardBreak, insertHorizontalRule, toggleBlockquote, toggleCode, toggleCodeBlock, toggleEm, toggleHeading,
  toggleList, toggleStrike, toggleStrong,
} from './commands.js'

const { nodes } = schema

/** What each shortcut does, as shown in the toolbar's tooltips. */
export const shortcuts = {
  strong: 'Mod-b',
  em: 'Mod-i',
  strike: 'Mod-Shift-s',
  code: 'Mod-e',
  link: 'Mod-k',
  heading1: 'Mod-Alt-1',
  heading2: 'Mod-Alt-2',
  heading3: 'Mod-Alt-3',
  bulletList: 'Mod-Shift-8',
  orderedList: 'Mod-Shift-7',
  blockquote: 'Mod-Shift-9',
  codeBlock: 'Mod-Alt-c',
  undo: 'Mod-z',
  redo: 'Mod-Shift-z',
} as const

export function editorKeymaps(openLinkEditor: Command): Plugin[] {
  const bindings: Record<string, Command> = {
    [shortcuts.strong]: toggleStrong,
    [shortcuts.em]: toggleEm,
    [shortcuts.strike]: toggleStrike,
    [shortcuts.code]: toggleCode,
    [shortcuts.link]: openLinkEditor,
    [shortcuts.heading1]: toggleHeading(1),
    [shortcuts.heading2]: toggleHeading(2),
    [shortcuts.heading3]: toggleHeading(3),
    'Mod-Alt-0': setBlockType(nodes.paragraph!),
    [shortcuts.bulletList]: toggleList(nodes.bullet_list!),
    [shortcuts.orderedList]: toggleList(nodes.ordered_list!),
    [shortcuts.blockquote]: toggleBlockquote,
    [shortcuts.codeBlock]: toggleCodeBlock,
    'Mod-Shift-minus': insertHorizontalRule,
    [shortcuts.undo]: undoCommand,
    [shortcuts.redo]: redoCommand,
    'Mod-y': redoCommand,
    Backspace: undoInputRule,
    Enter: splitListItem(nodes.list_item!),
    'Shift-Enter': chainCommands(exitCode, insertHardBreak),
    'Mod-Enter': chainCommands(exitCode, insertHardBreak),
    Tab: sinkListItem(nodes.list_item!),
    'Shift-Tab': liftListItem(nodes.list_item!),
    'Mod-]': sinkListItem(nodes.list_item!),
    'Mod-[': liftListItem(nodes.list_item!),
  }
  return [keymap(bindings), keymap(baseKeymap)]
}
