/**
 * The attacks of the abuse scenario: what one hostile connection sends a
 * room, frame by frame, and how it answers what the room sends it. Every
 * frame is well framed y-websocket; what it says is chosen to cost the
 * server. An attack lives for the whole run, across reconnections, so it
 * can build on what the room kept from earlier connections.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { CLOSE_MISSING_DEPENDENCIES, MESSAGE_AWARENESS, MESSAGE_SYNC, SYNC_STEP_1 } from '@ortak/protocol'
import { encodeSyncStep1, encodeUpdate } from '../../server/src/protocol/messages.js'
import { buildUpdate } from '../../server/test/hostile-updates.js'
import { awarenessFrame } from '../../server/test/security-helpers.js'
import { TRACE_CLIENT_ID, TRACE_ROOT } from './trace.js'

/** What the attacker knows of the room it attacks. */
export interface AttackedRoom {
  /** The update frames the room's document was made of, as they were sent. */
  seedFrames: readonly Uint8Array[]
}

/** One attack, for the whole run. */
export interface Attack {
  /** The next frame to send, or null to wait for the server first. */
  next(): Uint8Array | null
  /** Frames sent before waiting for the server to have read them (the driver's default if absent). */
  readonly framesPerBatch?: number
  /** True once this connection has done its part: the attacker closes it and connects again. */
  isDone?(): boolean
  /** A new connection opened. */
  connected?(): void
  /** A frame the server sent. */
  heard?(frame: Uint8Array): void
  /** The server closed the connection with `code`. */
  closed?(code: number): void
}

export interface AttackKind {
  name: string
  /** What it sends, for the table. */
  label: string
  /**
   * The attack waits for the sync step 1 a y-websocket server sends each
   * new connection unasked. Hocuspocus sends its step 1 only in answer to
   * the client's, so against it such an attack would wait for nothing.
   */
  needsUnaskedSyncStep1?: boolean
  create(room: AttackedRoom): Attack
}

/** The largest frame the servers take by default (Ortak's MAX_PAYLOAD_BYTES). */
const MAX_FRAME_BYTES = 8 * 1024 * 1024
/** As many as fit in one frame, one byte of clock each. */
const HUGE_STATE_VECTOR_ENTRIES = 2_000_000

export const ATTACKS: readonly AttackKind[] = [
  {
    name: 'reconnect-loop',
    label: 'reconnect loop (control: connect, be greeted, leave)',
    needsUnaskedSyncStep1: true,
    // What every attack below pays on each connection the server closes: the upgrade, the join, the greeting.
    create: () => {
      let isGreeted = false
      return {
        next: () => null,
        connected: () => { isGreeted = false },
        heard: (frame) => { isGreeted ||= stateVectorOf(frame) !== null },
        isDone: () => isGreeted,
      }
    },
  },
  {
    name: 'clock-past-2^53',
    label: 'clock past 2^53',
    // Sent again as soon as the server has read it: once per connection on a server that closes it.
    create: () => repeating([encodeUpdate(buildUpdate({
      clients: [{ client: 300, clock: 0, structs: [{ kind: 'gc', length: 2 ** 53 - 1 }, { kind: 'gc', length: 1 }] }],
      deletes: [],
    }))], 1),
  },
  {
    name: 'half-applied',
    label: 'half-applied update',
    // Yjs integrates client 200's insertion, then throws on client 100's item: its origin is a clock
    // of its own client that does not exist (server/test/a-refused-update-leaves-no-trace.test.ts).
    create: () => repeating([encodeUpdate(buildUpdate({
      clients: [
        { client: 200, clock: 0, structs: [{ kind: 'item', parent: TRACE_ROOT, content: { kind: 'string', text: 'injected by a hostile client' } }] },
        { client: 100, clock: 0, structs: [{ kind: 'item', origin: [100, 5], content: { kind: 'string', text: 'x' } }] },
      ],
      deletes: [],
    }))], 1),
  },
  {
    name: 'misplaced-items',
    label: 'an item whose origin lies right of its right origin (room reloaded)',
    // Yjs scans the paper from the origin to its end looking for the right origin, places the item there, and the
    // room finds the claim impossible: refused, and the room loaded again from storage (rooms/integration-check.ts).
    create: () => repeating([encodeUpdate(buildUpdate({
      clients: [{ client: 400, clock: 0, structs: [{ kind: 'item', origin: [TRACE_CLIENT_ID, 5], rightOrigin: [TRACE_CLIENT_ID, 1], content: { kind: 'string', text: 'x' } }] }],
      deletes: [],
    }))], 1),
  },
  {
    name: 'huge-state-vector',
    label: `state vector of ${HUGE_STATE_VECTOR_ENTRIES / 1e6} million clients`,
    create: () => repeating([hugeStateVectorFrame()]),
  },
  {
    name: 'sync-step-1-flood',
    label: 'sync step 1 naming an unknown client',
    // The room lacks nothing the asker says it holds: its answer is the whole document, encoded anew.
    // Few at a time, so that the answers are read as they come.
    create: () => repeating([encodeSyncStep1(Y.encodeStateVector(new Map([[0x7fff_fff1, 1]])))], 16),
  },
  {
    name: 'missing-dependencies',
    label: 'updates waiting for a change never sent, then gap-fillers',
    needsUnaskedSyncStep1: true,
    create: () => new MissingDependencies(),
  },
  {
    name: 'awareness-clock-0',
    label: 'awareness at clock 0 for random client ids',
    create: () => ({
      next: () => awarenessFrame(1 + Math.floor(Math.random() * 0xffff_fffe), 0, { user: { name: 'mallory', color: '#f00' } }),
    }),
  },
  {
    name: 'awareness-echo',
    label: 'awareness echo of a state it was sent',
    create: () => new AwarenessEcho(),
  },
  {
    name: 'no-op-flood',
    label: "the room's own updates, byte for byte",
    create: (room) => repeating(room.seedFrames),
  },
]

/** Sends `frames` round and round, on every connection. */
function repeating(frames: readonly Uint8Array[], framesPerBatch?: number): Attack {
  let next = 0
  return { next: () => frames[next++ % frames.length]!, framesPerBatch }
}

/** A sync step 1 whose state vector lists clients nobody has, as many as fit in one frame. */
function hugeStateVectorFrame(): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, HUGE_STATE_VECTOR_ENTRIES)
  for (let client = 1; client <= HUGE_STATE_VECTOR_ENTRIES; client++) {
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, 1)
  }
  const frame = encodeSyncStep1(encoding.toUint8Array(e))
  if (frame.byteLength > MAX_FRAME_BYTES) throw new RangeError(`the state vector frame is ${frame.byteLength} bytes, over the ${MAX_FRAME_BYTES} a server takes`)
  return frame
}

/** The state vector of a sync step 1 frame, or null for any other frame. */
function stateVectorOf(frame: Uint8Array): Map<number, number> | null {
  if (frame[0] !== MESSAGE_SYNC || frame[1] !== SYNC_STEP_1) return null
  const decoder = decoding.createDecoder(frame)
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
  return Y.decodeStateVector(decoding.readVarUint8Array(decoder))
}

const GAP_FILLERS = 20_000
const WAITING_UPDATES = 320
const WORDS_PER_UPDATE = 50

/**
 * Client `author` types GAP_FILLERS + 1 characters, one update each;
 * client `follower` types words right after the last of them, each word
 * its own item, many words an update. The room is sent the words first:
 * they all wait for the author's last character, which is never sent, and
 * Yjs merges the waiting pile again with every update of them. Then it is
 * sent the author's characters one by one, in order: each applies, moves
 * the author's clock, and makes Yjs try the whole pile again, in vain.
 * Refused for too much waiting (4422), it goes on to the characters. On
 * each connection it starts from the clock the room's sync step 1 says it
 * holds, so a character lost in a close is sent again.
 */
class MissingDependencies implements Attack {
  private readonly author = 0x7000_0001
  private readonly characters: Uint8Array[] = []
  private readonly words: Uint8Array[] = []
  private nextWord = 0
  private nextCharacter = 0
  private isHeldClockKnown = false

  constructor() {
    const author = new Y.Doc()
    author.clientID = this.author
    author.on('update', (update: Uint8Array) => this.characters.push(encodeUpdate(update)))
    const text = author.getText(TRACE_ROOT)
    for (let i = 0; i <= GAP_FILLERS; i++) text.insert(i, 'x')
    const follower = new Y.Doc()
    follower.clientID = 0x7000_0002
    Y.applyUpdate(follower, Y.encodeStateAsUpdate(author))
    follower.on('update', (update: Uint8Array) => this.words.push(encodeUpdate(update)))
    const followerText = follower.getText(TRACE_ROOT)
    for (let i = 0; i < WAITING_UPDATES; i++) {
      follower.transact(() => {
        // Each word goes right after the author's text, before the words already there: its origin is
        // the author's last character, and no two words merge into one item.
        for (let j = 0; j < WORDS_PER_UPDATE; j++) followerText.insert(GAP_FILLERS + 1, `w${i * WORDS_PER_UPDATE + j} `)
      })
    }
    // The author's last character: the change never sent.
    this.characters.pop()
  }

  connected(): void {
    this.isHeldClockKnown = false
  }

  next(): Uint8Array | null {
    if (this.nextWord < this.words.length) return this.words[this.nextWord++]!
    if (!this.isHeldClockKnown) return null
    return this.characters[this.nextCharacter++] ?? null
  }

  heard(frame: Uint8Array): void {
    const stateVector = stateVectorOf(frame)
    if (!stateVector) return
    this.isHeldClockKnown = true
    this.nextCharacter = stateVector.get(this.author) ?? 0
  }

  closed(code: number): void {
    // The room keeps as large a pile as it will: on to the characters.
    if (code === CLOSE_MISSING_DEPENDENCIES) this.nextWord = this.words.length
  }
}

/** Sends back, again and again, the last awareness frame the room sent this connection. */
class AwarenessEcho implements Attack {
  private echo: Uint8Array | null = null

  connected(): void {
    this.echo = null
  }

  next(): Uint8Array | null {
    return this.echo
  }

  heard(frame: Uint8Array): void {
    if (frame[0] === MESSAGE_AWARENESS) this.echo = frame
  }
}
