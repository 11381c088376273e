/**
 * The editor's stylesheet ships inside the script: the first editor in a
 * document adds one <style> element, the last one destroyed removes it.
 */
import css from './editor.css?inline'

const usage = new WeakMap<Document, { count: number; element: HTMLStyleElement }>()

/** Makes sure `document` has the editor styles; returns the function that releases them. */
export function useEditorStyles(document: Document): () => void {
  let entry = usage.get(document)
  if (!entry) {
    const element = document.createElement('style')
    element.dataset.ortakEditor = ''
    element.textContent = css
    // First in <head>, so the page's own rules override ours without needing more specific selectors.
    document.head.prepend(element)
    entry = { count: 0, element }
    usage.set(document, entry)
  }
  entry.count++
  let isReleased = false
  return () => {
    if (isReleased) return
    isReleased = true
    const current = usage.get(document)
    if (!current || --current.count > 0) return
    current.element.remove()
    usage.delete(document)
  }
}
