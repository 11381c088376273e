/**
 * The time a new client waits for a stored document: from opening the
 * socket to holding the whole text, less the time the client itself spent
 * applying what arrived, which is not the server's.
 */
import * as Y from 'yjs'
import { ProtocolClient } from './protocol-client.js'
import type { Wire } from './wire.js'

export interface Load {
  totalMs: number
  clientApplyMs: number
  isComplete: boolean
  text: string
  /** The client, still connected (the room stays loaded while it is); the caller closes it. */
  client: ProtocolClient
}

/**
 * Connects a raw protocol client and applies what arrives until the text of
 * `root` is `expected`. The reference answers at once with an empty document
 * and sends the stored one when it has read it, seconds later for a long
 * log. A server whose stored document is incomplete never gets there: then
 * the time of its last message is reported, once a second has passed
 * without one after the first content (bounded by `timeoutMs`).
 */
export async function timeLoad(url: string, wire: Wire, root: string, expected: string, timeoutMs: number): Promise<Load> {
  const doc = new Y.Doc()
  const text = doc.getText(root)
  let clientApplyMs = 0
  const started = performance.now()
  let lastMessageAt = started
  let lastContentAt: number | null = null
  const client = new ProtocolClient(url, wire)
  try {
    const isComplete = await new Promise<boolean>((resolve) => {
      const deadline = started + timeoutMs
      const timer = setInterval(() => {
        const now = performance.now()
        if (now > deadline || (lastContentAt !== null && now - lastContentAt > 1_000)) {
          clearInterval(timer)
          resolve(false)
        }
      }, 50)
      client.onDocMessage = ({ update }) => {
        const applyStarted = performance.now()
        Y.applyUpdate(doc, update)
        const isDone = text.length === expected.length && text.toString() === expected
        clientApplyMs += performance.now() - applyStarted
        lastMessageAt = performance.now()
        if (update.length > 2) lastContentAt = lastMessageAt
        if (isDone) {
          clearInterval(timer)
          resolve(true)
        }
      }
    })
    return { totalMs: lastMessageAt - started, clientApplyMs, isComplete, text: text.toString(), client }
  } catch (error) {
    client.close()
    throw error
  } finally {
    // What arrives from now on is not applied: the client only keeps the room loaded.
    client.onDocMessage = null
    doc.destroy()
  }
}
