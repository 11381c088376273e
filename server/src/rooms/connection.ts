/**
 * One client's WebSocket in one room: sending, closing with a reason, and
 * the bookkeeping the room needs about that client (which awareness ids it
 * controls, how many of its document messages are stored).
 */
import type { WebSocket } from 'ws'
import { encodeStored } from '../protocol/messages.js'

// The close reason travels in a control frame limited to 125 bytes, 2 of them the code.
const MAX_REASON_BYTES = 123

let nextConnectionId = 1

export interface ConnectionOptions {
  /** The client asked (with `?ack=1`) to be told when its changes are stored. */
  wantsStoredAcks: boolean
}

export class Connection {
  readonly id = nextConnectionId++
  /** Awareness client ids this connection has announced; removed for everyone when it closes. */
  readonly awarenessIds = new Set<number>()
  /** Frames received before the room finished loading, handled once it has. */
  readonly framesBeforeReady: Uint8Array[] = []
  isClosed = false

  private docMessagesReceived = 0
  private docMessagesStored = 0
  private writesInFlight = 0
  private isAckScheduled = false

  constructor(
    private readonly socket: WebSocket,
    private readonly options: ConnectionOptions,
  ) {}

  send(frame: Uint8Array): void {
    if (this.isClosed || this.socket.readyState !== this.socket.OPEN) return
    this.socket.send(frame)
  }

  closeWithReason(code: number, reason: string): void {
    if (this.isClosed) return
    this.isClosed = true
    this.socket.close(code, truncateUtf8(reason, MAX_REASON_BYTES))
  }

  /** Counts a document message (sync step 2 or update) from this client; returns its index. */
  receivedDocMessage(isWrite: boolean): number {
    if (isWrite) this.writesInFlight++
    const index = ++this.docMessagesReceived
    // A message that wrote nothing is stored as soon as everything before it is.
    if (!isWrite && this.writesInFlight === 0) this.acknowledge(index)
    return index
  }

  /** The write of document message `index` committed. */
  stored(index: number): void {
    this.writesInFlight--
    this.acknowledge(this.writesInFlight === 0 ? this.docMessagesReceived : index)
  }

  private acknowledge(index: number): void {
    if (index <= this.docMessagesStored) return
    this.docMessagesStored = index
    if (!this.options.wantsStoredAcks || this.isAckScheduled) return
    // One acknowledgement per turn carries the latest count, however many writes committed.
    this.isAckScheduled = true
    queueMicrotask(() => {
      this.isAckScheduled = false
      this.send(encodeStored(this.docMessagesStored))
    })
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text)
  if (bytes.length <= maxBytes) return text
  let end = maxBytes
  // Step back over UTF-8 continuation bytes so no character is cut in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString()
}
