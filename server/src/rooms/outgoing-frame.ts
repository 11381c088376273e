/**
 * A message as the WebSocket binary frame that carries it, encoded once and
 * written as it is to every socket it goes to.
 *
 * `ws` frames a message again for every socket it is sent on: two options
 * objects, a Buffer view of the message, a header buffer and two stream
 * writes each time. A broadcast sends the same bytes to every socket of the
 * room, so the room frames them once and each connection hands the frame
 * to its TCP socket with one write (`npm run bench -- --only curve-clients`
 * measures the server's CPU per delivered update).
 *
 * A server's frames are never masked (RFC 6455, 5.1), so the bytes are the
 * same for every socket. They are only correct for a connection without
 * extensions: with permessage-deflate a frame is compressed per socket.
 * Ortak's server negotiates none (`ws`'s `perMessageDeflate` is off).
 */

/** Payloads up to this size are copied behind their header into one buffer: one write per socket instead of two. */
const MAX_JOINED_PAYLOAD_BYTES = 64 * 1024

const FIN_BINARY = 0x82

export class OutgoingFrame {
  private constructor(
    /** The y-websocket message the frame carries. */
    readonly message: Uint8Array,
    /** The frame's header, or its header and payload when `payload` is null. */
    readonly head: Buffer,
    /** The message as a Buffer written after `head`, when it is too large to copy into it; else null. */
    readonly payload: Buffer | null,
  ) {}

  /** The unmasked, final binary frame carrying `message`. */
  static of(message: Uint8Array): OutgoingFrame {
    const length = message.byteLength
    const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10
    const isJoined = length <= MAX_JOINED_PAYLOAD_BYTES
    const head = Buffer.allocUnsafe(isJoined ? headerBytes + length : headerBytes)
    head[0] = FIN_BINARY
    if (length < 126) {
      head[1] = length
    } else if (length < 65_536) {
      head[1] = 126
      head.writeUInt16BE(length, 2)
    } else {
      head[1] = 127
      head.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
      head.writeUInt32BE(length >>> 0, 6)
    }
    if (!isJoined) return new OutgoingFrame(message, head, Buffer.from(message.buffer, message.byteOffset, length))
    head.set(message, headerBytes)
    return new OutgoingFrame(message, head, null)
  }
}
