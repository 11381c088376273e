/**
 * The client half of Ortak's stored-acknowledgement: a WebSocket that notes
 * every document message it sends in its connection's ledger, and a handler
 * for the server's message 100 that confirms them. Plain y-websocket clients
 * never ask for acknowledgements (`?ack=1`), so they never receive message 100.
 */
import { MESSAGE_STORED, isDocumentMessage, readStoredCount } from '@ortak/protocol'
import type { WebsocketProvider } from 'y-websocket'
import type { ConnectionLedger, SaveTracker } from './save-tracker.js'

/**
 * Whether an outgoing frame, in any form a WebSocket takes, carries document
 * content. y-websocket sends Uint8Arrays only; a Blob or string is never one.
 */
export function isDocumentFrame(frame: ArrayBufferLike | ArrayBufferView | Blob | string): boolean {
  if (typeof frame === 'string' || frame instanceof Blob) return false
  return isDocumentMessage(ArrayBuffer.isView(frame) ? new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength) : new Uint8Array(frame))
}

interface LedgerSocket extends WebSocket {
  readonly ledger: ConnectionLedger
}

/** A WebSocket class for y-websocket's `WebSocketPolyfill` option whose sockets each keep a ledger in `tracker`. */
export function ledgerWebSocket(tracker: SaveTracker, Base: typeof WebSocket = WebSocket): typeof WebSocket {
  return class LedgerWebSocket extends Base implements LedgerSocket {
    readonly ledger = tracker.openLedger()

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      // y-websocket only sends on an open socket; a frame on a closing one is lost, and never confirmed.
      if (this.readyState === this.OPEN && isDocumentFrame(data)) this.ledger.documentMessageSent()
      super.send(data as ArrayBufferView<ArrayBuffer>)
    }
  }
}

/** Teaches `provider` message 100; its sockets must come from `ledgerWebSocket`. */
export function handleStoredAcks(provider: WebsocketProvider): void {
  provider.messageHandlers[MESSAGE_STORED] = (_encoder, decoder, handlingProvider) => {
    const count = readStoredCount(decoder)
    // y-websocket hands a message to its handler only while that message's socket is the provider's current one.
    const socket = handlingProvider.ws as LedgerSocket | null
    socket?.ledger.stored(count)
  }
}
