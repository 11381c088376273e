/**
 * How a server frames the y-websocket messages (sync, awareness) on its
 * socket. Ortak and the reference speak y-websocket as it is: the room is
 * the URL's path, a frame is [type][body]. Hocuspocus multiplexes documents
 * on one socket: every frame, both ways, starts with the document's name as
 * a lib0 var-string, and a document only syncs after the client sent an auth
 * message for it. Its server answers a sync step 1 with the step 2 as a sync
 * message and its own step 1 as a "sync reply" (type 4, which asks for no
 * further step 1), acknowledges each applied update with a "sync status"
 * (type 8), and says "authenticated" (type 2) before anything else
 * (@hocuspocus/server 4.7: ClientConnection.ts, Connection.ts,
 * MessageReceiver.ts, OutgoingMessage.ts; @hocuspocus/common auth.ts).
 *
 * The bench's raw clients build and read y-websocket frames; a Framing puts
 * them on and takes them off the wire of the server under test. A raw
 * Hocuspocus client is given the same room URL as the others
 * (ws://host:port/<room>): Hocuspocus ignores the path, the framing reads the
 * document name from it.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export type Wire = 'y-websocket' | 'hocuspocus'

/** Hocuspocus's message types (@hocuspocus/server types.ts MessageType) that the bench sends or reads. */
const HOCUSPOCUS_SYNC = 0
const HOCUSPOCUS_AWARENESS = 1
const HOCUSPOCUS_AUTH = 2
const HOCUSPOCUS_SYNC_REPLY = 4
/** @hocuspocus/common AuthMessageType.Token: the client's credentials (here an empty token, as the provider sends without one). */
const AUTH_TOKEN = 0

export interface Framing {
  /** What a client sends first on a new socket, before any document message. */
  readonly opening: readonly Uint8Array[]
  /** A y-websocket frame as this wire carries it. */
  wrap(frame: Uint8Array): Uint8Array
}

/** The framing for one room at `roomUrl` (ws://host:port/<room> for Hocuspocus, the server's own room URL otherwise). */
export function framing(wire: Wire, roomUrl: string): Framing {
  if (wire === 'y-websocket') return { opening: [], wrap: (frame) => frame }
  const name = documentNameOf(roomUrl)
  const prefix = (() => {
    const e = encoding.createEncoder()
    encoding.writeVarString(e, name)
    return encoding.toUint8Array(e)
  })()
  const auth = (() => {
    const e = encoding.createEncoder()
    encoding.writeVarString(e, name)
    encoding.writeVarUint(e, HOCUSPOCUS_AUTH)
    encoding.writeVarUint(e, AUTH_TOKEN)
    encoding.writeVarString(e, '')
    return encoding.toUint8Array(e)
  })()
  return {
    opening: [auth],
    wrap: (frame) => {
      const wrapped = new Uint8Array(prefix.byteLength + frame.byteLength)
      wrapped.set(prefix)
      wrapped.set(frame, prefix.byteLength)
      return wrapped
    },
  }
}

/**
 * The y-websocket frame inside a frame received on `wire`, or null for a
 * message of the wire's own (Hocuspocus's auth, sync status, close,
 * stateless). A Hocuspocus sync reply comes out as a plain sync message.
 */
export function unwrap(wire: Wire, frame: Uint8Array): Uint8Array | null {
  if (wire === 'y-websocket') return frame
  const decoder = decoding.createDecoder(frame)
  decoding.readVarString(decoder)
  const at = decoder.pos
  const type = frame[at]
  if (type === HOCUSPOCUS_SYNC || type === HOCUSPOCUS_AWARENESS) return frame.subarray(at)
  if (type !== HOCUSPOCUS_SYNC_REPLY) return null
  const inner = frame.slice(at)
  inner[0] = HOCUSPOCUS_SYNC
  return inner
}

/** The document a Hocuspocus client at `roomUrl` addresses: the URL's last path segment. */
export function documentNameOf(roomUrl: string): string {
  const path = new URL(roomUrl).pathname
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1))
}
