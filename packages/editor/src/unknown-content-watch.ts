/**
 * Keeps y-prosemirror from destroying what the schema does not know.
 * Reading the shared fragment into ProseMirror, y-prosemirror deletes from
 * the Y.Doc (for everyone) every element and text it cannot build a node
 * from, and it reads every change as the change arrives. So this watch
 * must hear each change first: it observes the fragment before the editor
 * binds y-prosemirror to it (Yjs calls a type's deep observers in the order
 * they were added), and when a change brings content the schema does not
 * know it calls `onFound` there and then, which must unbind y-prosemirror
 * before y-prosemirror's own observer runs (that observer does nothing once
 * its view is gone).
 *
 * Only what changed is checked: the text a keystroke touched, the blocks a
 * change added, the attributes it set, never the whole document.
 */
import { describeForeignValue, findUnknownAttributes, findUnknownContent } from '@ortak/schema'
import * as Y from 'yjs'

export class UnknownContentWatch {
  private problem: string | null

  constructor(private readonly fragment: Y.XmlFragment, private readonly onFound: (problem: string) => void) {
    this.problem = findUnknownContent(fragment)
    if (this.problem === null) fragment.observeDeep(this.observe)
  }

  /** The first content the schema does not know that the fragment received, described; null while there is none. */
  get found(): string | null {
    return this.problem
  }

  destroy(): void {
    this.fragment.unobserveDeep(this.observe)
  }

  private readonly observe = (events: Array<Y.YEvent<Y.XmlFragment | Y.XmlText>>) => {
    for (const event of events) {
      const problem = problemOfChange(event)
      if (problem === null) continue
      this.problem = problem
      this.fragment.unobserveDeep(this.observe)
      this.onFound(problem)
      return
    }
  }
}

function problemOfChange(event: Y.YEvent<Y.XmlFragment | Y.XmlText>): string | null {
  const target = event.target
  if (target instanceof Y.XmlText) return findUnknownContent(target)
  if (event.changes.keys.size > 0) {
    const problem = findUnknownAttributes(target)
    if (problem) return problem
  }
  for (const item of event.changes.added) {
    for (const value of item.content.getContent()) {
      const problem = value instanceof Y.XmlElement || value instanceof Y.XmlText ? findUnknownContent(value) : describeForeignValue(value)
      if (problem) return problem
    }
  }
  return null
}
