/**
 * The blocks beyond text, put together for createEditor: tables, pictures,
 * task items and the cleaning of pasted HTML, with their toolbar group.
 */
import type { Plugin } from 'prosemirror-state'
import type { NodeViewConstructor } from 'prosemirror-view'
import { editImageDescription, imagePlugins, type ImageOptions } from './images.js'
import type { Messages } from './messages.js'
import { pastePlugin } from './paste.js'
import { tablePlugins, tableShortcut } from './tables.js'
import { taskItemPlugins, taskShortcuts, toggleTaskList } from './task-items.js'
import type { ToolbarItem } from './toolbar.js'

const icon = (body: string) =>
  `<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`

const icons = {
  table: icon('<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 10h18M3 15h18M9 4v16M15 4v16"/>'),
  image: icon('<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="1.5"/><path d="M21 16l-5-5-9 9"/>'),
  imageDescription: icon('<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M7 15h6M7 11h10"/>'),
  taskList: icon('<rect x="3" y="5" width="6" height="6" rx="1"/><path d="M4.5 8l1 1 2-2M12 8h9M12 16h9"/><rect x="3" y="13" width="6" height="6" rx="1"/>'),
}

export interface RichContent {
  /** Before the editor's own keymaps: Tab in a table and Mod-Enter in a task mean their own thing. */
  plugins: Plugin[]
  toolbarGroup: ToolbarItem[]
  /** How the plugins show pictures, for the views of the document that have no plugins of these (images.ts). */
  pictureViews: { image: NodeViewConstructor }
  destroy(): void
}

/** The rich-content plugins of one editor; the table menu opens after `toolbarElement`. */
export function richContent(toolbarElement: HTMLElement, images: ImageOptions, window: Window): RichContent {
  const messages: Messages = images.messages
  const tables = tablePlugins(toolbarElement, messages)
  const pictures = imagePlugins(images, window)
  return {
    plugins: [...tables.plugins, ...pictures.plugins, ...taskItemPlugins(messages), pastePlugin()],
    toolbarGroup: [
      { name: 'table', label: messages.table, content: icons.table, shortcut: tableShortcut, run: tables.toggleMenu },
      { name: 'image', label: messages.insertImage, content: icons.image, run: pictures.pickImage },
      { name: 'image_description', label: messages.imageDescription, content: icons.imageDescription, run: editImageDescription(messages) },
      { name: 'task_list', label: messages.taskList, content: icons.taskList, shortcut: taskShortcuts.toggleTaskList, run: toggleTaskList },
    ],
    pictureViews: pictures.nodeViews,
    destroy: () => pictures.destroy(),
  }
}
