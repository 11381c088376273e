/**
 * The updates a room applied together (one `applyReceived` batch), sent to
 * its clients as the updates their Yjs transactions made, once every one of
 * them is stored: a client is sent one message for the batch instead of one
 * per update.
 *
 * Each message costs a client a WebSocket frame, a decode and a Yjs
 * transaction (with y-prosemirror, a ProseMirror transaction and a view
 * update), and costs the server a frame per socket. Fifty people typing in
 * one room put several keystrokes into most batches; a client sending as
 * fast as its socket drains puts up to a thousand. The transactions'
 * updates are Yjs's own encoding of what the batch changed, made while it
 * was applied; `Y.mergeUpdates` over the batch's updates made the same
 * for several times the CPU of the whole path (`bench/RESULTS.md`, round 3).
 *
 * Each update is still stored on its own, and the batch is sent only once
 * the last of them is: what a client sees is stored. What a transaction's
 * update holds is what the document gained from the batch's updates, so it
 * serves nothing that is not stored.
 */
import type { Connection } from './connection.js'
import { OutgoingFrame } from './outgoing-frame.js'
import { encodeUpdate } from '../protocol/messages.js'

export class BatchBroadcast {
  private storedCount = 0

  constructor(
    /** The updates the batch's transactions made, in order (usually one). */
    private readonly updates: readonly Uint8Array[],
    /** How many of the batch's updates are being stored. */
    private readonly writeCount: number,
    /** The connection that sent every update of the batch; null if several did. It already holds them all. */
    private readonly soleSender: Connection | null,
  ) {}

  /** Notes one of the batch's updates stored; true once the last one is, when the batch may be sent. */
  stored(): boolean {
    return ++this.storedCount === this.writeCount
  }

  /** Sends the batch to every connection but its sole sender; a sender among several is sent its own changes back too. */
  sendTo(connections: Iterable<Connection>): void {
    const frames = this.updates.map((update) => OutgoingFrame.of(encodeUpdate(update)))
    for (const connection of connections) {
      if (connection === this.soleSender) continue
      for (const frame of frames) connection.sendFrame(frame)
    }
  }
}
