/** What the version history tests share: editing a room's document as an editor would, and reading the API. */
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import * as Y from 'yjs'
import { schema } from '@ortak/schema'
import type { TestClient } from './helpers.js'

/** Appends a paragraph holding `text` to the client's document, as typing it in the editor would. */
export function typeParagraph(client: TestClient, text: string): void {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  client.doc.getXmlFragment('prosemirror').push([paragraph])
}

/** The client's document as ProseMirror JSON. */
export const contentOf = (doc: Y.Doc) => yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment('prosemirror'), schema).toJSON()

/** The paragraphs' text, one string each. */
export const paragraphsOf = (doc: Y.Doc): string[] =>
  doc.getXmlFragment('prosemirror').toArray().map((element) => (element as Y.XmlElement).toArray().map((t) => (t as Y.XmlText).toString()).join(''))

export interface ListedVersion {
  id: number
  kind: 'auto' | 'named' | 'restore'
  createdAt: string
  name: string | null
  savedBy: { id: string | null; name: string; verified: boolean } | null
  authors: Array<{ id: string | null; name: string; verified: boolean }>
  clients: Record<string, number>
  restoredFrom: number | null
  documentBytes: number
  incrementBytes: number
}

/** GET /api/rooms/:room/versions, every page; none while nothing is stored for the room (404). */
export async function listVersions(url: string, room: string, headers: Record<string, string> = {}): Promise<ListedVersion[]> {
  const versions: ListedVersion[] = []
  let cursor: number | null = null
  do {
    const response = await fetch(`${url}/api/rooms/${room}/versions?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`, { headers })
    if (response.status === 404 && cursor === null) return []
    if (response.status !== 200) throw new Error(`listing versions answered ${response.status}: ${await response.text()}`)
    const page = await response.json() as { versions: ListedVersion[]; next: number | null }
    versions.push(...page.versions)
    cursor = page.next
  } while (cursor !== null)
  return versions
}
