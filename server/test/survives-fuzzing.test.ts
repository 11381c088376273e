import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { checkUpdate } from '../src/protocol/update-guard.js'
import { SqliteStorage } from '../src/storage/sqlite.js'
import { databaseFile } from '../src/server.js'
import { connectClient, rawSocket, startServer, synced, waitFor, type TestClient, type TestServer } from './helpers.js'
import { collectGarbage } from './security-helpers.js'

/**
 * Tens of thousands of random and mutated y-websocket frames against a live server while two
 * stock clients edit: six fuzzing clients open connection after connection, each sending up to
 * fifteen well-formed frames (edits, awareness, sync requests, queries) and then one broken frame
 * (mutated or noise). Seeded, so a failure can be replayed with FUZZ_SEED=<seed>; FUZZ_DEBUG=1
 * prints the counts and the heap growth.
 */
const FRAMES = 20_000
const TIME_LIMIT_MS = 120_000
const WORKERS = 6
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601)
const GOOD_TEXT = 'good-text'
const MAX_TYPED = 600

function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Random = ReturnType<typeof mulberry32>
const int = (random: Random, n: number) => Math.floor(random() * n)
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

function randomJson(random: Random, depth = 0): unknown {
  const kind = int(random, depth > 3 ? 4 : 6)
  if (kind === 0) return int(random, 1e6) - 5e5
  if (kind === 1) return String.fromCharCode(...Array.from({ length: int(random, 12) }, () => 32 + int(random, 0x2fff)))
  if (kind === 2) return random() < 0.5
  if (kind === 3) return null
  if (kind === 4) return Array.from({ length: int(random, 4) }, () => randomJson(random, depth + 1))
  return Object.fromEntries(Array.from({ length: int(random, 4) }, (_, i) => [`k${i}`, randomJson(random, depth + 1)]))
}

/** A fuzzing client's well-formed frames: its own edits, state vectors, awareness, queries. */
class FrameSource {
  private readonly doc = new Y.Doc()
  private readonly updates: Uint8Array[] = []
  private awarenessClock = 0

  constructor(private readonly random: Random) {
    this.doc.on('update', (update: Uint8Array) => this.updates.push(update))
  }

  /** Edits (unless `withEdits` is false), awareness, sync requests and queries. */
  wellFormed(withEdits = true): Uint8Array {
    const r = this.random
    // Mostly edits and awareness, as in a real room; few sync step 1s, as each is answered with the whole document.
    const roll = int(r, 20)
    const kind = roll < 7 ? (withEdits ? 'edit' : 'awareness') : roll < 8 ? 'sync' : roll < 18 ? 'awareness' : 'query'
    if (kind === 'edit') {
      this.edit()
      const update = this.updates.shift() ?? Y.encodeStateAsUpdate(this.doc)
      return frame((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, pick(r, [1, 2])); encoding.writeVarUint8Array(e, update) })
    }
    if (kind === 'sync') {
      const sv = frame((e) => {
        const n = int(r, 4)
        encoding.writeVarUint(e, n)
        for (let i = 0; i < n; i++) { encoding.writeVarUint(e, int(r, 2 ** 32)); encoding.writeVarUint(e, int(r, 1000)) }
      })
      return frame((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 0); encoding.writeVarUint8Array(e, sv) })
    }
    if (kind === 'awareness') {
      const update = frame((e) => {
        encoding.writeVarUint(e, 1)
        // A few hundred fuzzing "users", far from the good clients' random ids.
        encoding.writeVarUint(e, 3_000_000_000 + int(r, 300))
        encoding.writeVarUint(e, ++this.awarenessClock)
        encoding.writeVarString(e, JSON.stringify(r() < 0.1 ? null : { user: { name: randomJson(r) }, cursor: randomJson(r) }))
      })
      return frame((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, update) })
    }
    return new Uint8Array([3])
  }

  private edit(): void {
    const r = this.random
    const choice = int(r, 4)
    if (choice === 0) {
      const text = this.doc.getText('fuzz-text')
      if (text.length > 0 && r() < 0.3) text.delete(int(r, text.length), 1)
      else text.insert(int(r, text.length + 1), String(randomJson(r)), r() < 0.3 ? { bold: true } : undefined)
    } else if (choice === 1) {
      this.doc.getMap('fuzz-map').set(`k${int(r, 20)}`, randomJson(r))
    } else if (choice === 2) {
      const el = new Y.XmlElement(pick(r, ['paragraph', 'heading', 'list_item']))
      el.setAttribute('level', String(int(r, 6)))
      el.insert(0, [new Y.XmlText(String(randomJson(r)))])
      this.doc.getXmlFragment('fuzz-xml').insert(0, [el])
    } else {
      this.doc.getArray('fuzz-array').push([randomJson(r), new Uint8Array([int(r, 256)])])
    }
  }

  destroy(): void {
    this.doc.destroy()
  }
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x20]

/** A frame broken in one to four places, or plain noise. */
function broken(random: Random, source: FrameSource): Uint8Array | string {
  if (random() < 0.03) return 'a text frame'
  if (random() < 0.2) {
    const noise = Array.from({ length: 1 + int(random, 200) }, () => int(random, 256))
    noise[0] = pick(random, [0, 1, 3, noise[0]!])
    return new Uint8Array(noise)
  }
  let bytes = Array.from(source.wellFormed())
  for (let m = 1 + int(random, 4); m > 0; m--) {
    const at = int(random, bytes.length)
    switch (int(random, 6)) {
      case 0: bytes[at] = bytes[at]! ^ (1 << int(random, 8)); break
      case 1: bytes[at] = pick(random, INTERESTING); break
      case 2: bytes = bytes.slice(0, Math.max(1, at)); break
      case 3: bytes.splice(at, 0, ...Array.from({ length: 1 + int(random, 8) }, () => int(random, 256))); break
      case 4: bytes.splice(at, 0, ...bytes.slice(at, at + 1 + int(random, 16))); break
      default: bytes.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0x0f); break // a huge varint length or count
    }
  }
  return new Uint8Array(bytes)
}

describe('under fuzzing', () => {
  let server: TestServer
  const good: TestClient[] = []

  beforeAll(async () => {
    // Limits out of the way so the frames reach the protocol code (limits have their own tests).
    server = await startServer({ maxMessagesPerSecond: 1_000_000, maxBytesPerSecond: 1 << 30, maxConnectionsPerSecondPerAddress: 1_000_000, unloadGraceMs: 100 })
  })
  afterAll(async () => {
    for (const c of good.splice(0)) c.destroy()
    await server.close()
  })

  it(`the server stays up, good clients converge, nothing bad is stored, and memory returns to baseline (seed ${SEED})`, async () => {
    const registry = server.server.registry
    const a = connectClient(server.wsUrl, 'fuzz')
    const b = connectClient(server.wsUrl, 'fuzz')
    good.push(a, b)
    await Promise.all([synced(a), synced(b)])
    let goodDisconnects = 0
    for (const c of good) c.provider.on('connection-close', () => goodDisconnects++)
    const goodConnections = new Set(registry.get('fuzz')!.connections)

    // Weak references to what the server makes for the fuzzers, to prove all of it can be collected afterwards.
    const fuzzObjects: Array<WeakRef<object>> = []
    const seen = new WeakSet<object>()
    const rememberServerSide = (roomName: string) => {
      const room = registry.get(roomName)
      if (!room) return
      if (roomName !== 'fuzz' && !seen.has(room)) {
        seen.add(room)
        fuzzObjects.push(new WeakRef(room), new WeakRef(room.doc), new WeakRef(room.awareness))
      }
      for (const connection of room.connections) {
        if (goodConnections.has(connection) || seen.has(connection)) continue
        seen.add(connection)
        fuzzObjects.push(new WeakRef(connection))
      }
    }

    /** WORKERS fuzzing clients until `frames` frames are sent (or the time limit); returns frames and broken frames sent. */
    const fuzz = async (frames: number, seed: number) => {
      let sent = 0
      let brokenSent = 0
      const deadline = Date.now() + TIME_LIMIT_MS
      const worker = async (w: number) => {
        const random = mulberry32(seed + w)
        const source = new FrameSource(random)
        while (sent < frames && Date.now() < deadline) {
          // A quarter of the connections go to the good clients' room: awareness, queries, sync requests and
          // broken frames (mutated edits among them). Well-formed edits go to rooms of the fuzzers' own, so
          // the good room's document grows only by what slips through mutated.
          const isGoodRoom = random() < 0.25
          const roomName = isGoodRoom ? 'fuzz' : `fuzz-side-${w % 3}`
          const raw = await rawSocket(server.wsUrl, roomName)
          rememberServerSide(roomName)
          // Some well-formed frames, then a broken one, which usually closes the connection; an empty
          // frame after it closes the connection if the broken one happened to be acceptable.
          for (let k = int(random, 16); k > 0; k--, sent++) raw.ws.send(source.wellFormed(!isGoodRoom))
          raw.ws.send(broken(random, source))
          raw.ws.send(new Uint8Array(0))
          sent += 2
          brokenSent++
          await raw.closed
        }
        source.destroy()
      }
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)))
      expect(sent).toBeGreaterThanOrEqual(frames)
      await waitFor('only the good clients remain, and the fuzzers’ rooms are unloaded', () =>
        registry.stats.connections === 2 && registry.stats.rooms === 1)
      return { sent, brokenSent }
    }

    const heapAfterCollecting = async () => {
      server.logs.length = 0 // the test's own record of log lines is not the server's memory
      collectGarbage()
      await new Promise((r) => setTimeout(r, 50))
      collectGarbage()
      return process.memoryUsage().heapUsed
    }

    // A first, small round warms up (compiles) every code path, so the baseline is not taken before that.
    await fuzz(1_000, SEED + 1_000)
    const baseline = await heapAfterCollecting()

    // The good clients edit through the fuzzing: a keystroke every 20 ms up to MAX_TYPED (so what stays in
    // memory afterwards is small), cursor moves all along.
    const editor = mulberry32(SEED - 1)
    let typed = 0
    let moves = 0
    const editing = setInterval(() => {
      const c = good[moves++ % 2]!
      const text = c.doc.getText(GOOD_TEXT)
      if (typed < MAX_TYPED) {
        text.insert(int(editor, text.length + 1), String.fromCharCode(97 + int(editor, 26)))
        typed++
      }
      c.provider.awareness.setLocalStateField('cursor', int(editor, text.length + 1))
    }, 20)
    let result
    const logsBefore = server.logs.length
    try {
      result = await fuzz(FRAMES, SEED)
    } finally {
      clearInterval(editing)
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    // Every fuzzing connection was closed for what it sent (by its broken frame, or by the empty frame after it), with one log line.
    const refused = server.logs.slice(logsBefore).filter((l) => l.msg === 'closing connection: bad input')
    expect(refused).toHaveLength(result.brokenSent)
    const refusedBySentinel = refused.filter((l) => l.reason === 'empty frame').length

    // The good clients converge with each other and with the server, having lost no keystroke.
    const room = registry.get('fuzz')!
    const sameState = (x: Y.Doc, y: Y.Doc) => Buffer.from(Y.encodeStateVector(x)).equals(Buffer.from(Y.encodeStateVector(y)))
    await waitFor('the good clients converge', () =>
      sameState(a.doc, b.doc) && sameState(a.doc, room.doc) && !room.hasUnstoredWrites
      && a.doc.getText(GOOD_TEXT).toString() === b.doc.getText(GOOD_TEXT).toString(), 20_000)
    expect(a.doc.getText(GOOD_TEXT).length).toBe(typed)
    expect(room.doc.getText(GOOD_TEXT).toString()).toBe(a.doc.getText(GOOD_TEXT).toString())
    expect(goodDisconnects).toBe(0)

    // Memory: every connection, room, document and awareness made for the fuzzers is gone, and the heap is
    // back near its baseline.
    const after = await heapAfterCollecting()
    expect(fuzzObjects.length).toBeGreaterThan(1000)
    expect(fuzzObjects.filter((ref) => ref.deref() !== undefined).map((ref) => ref.deref()!.constructor.name)).toEqual([])
    const grewMiB = (after - baseline) / 2 ** 20
    if (process.env.FUZZ_DEBUG) {
      console.log({ ...result, refusedByBrokenFrame: result.brokenSent - refusedBySentinel, heapBeforeMiB: baseline / 2 ** 20, grewMiB, goodRoomBytes: Y.encodeStateAsUpdate(room.doc).length })
    }
    expect(grewMiB, `heap ${(baseline / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after`).toBeLessThan(6)

    // Storage: every stored update is well-formed and the stored room equals the live one.
    await server.close()
    const storage = new SqliteStorage({ file: databaseFile(server.dataDir) })
    const stored = await storage.load('fuzz')
    await storage.close()
    const reloaded = new Y.Doc()
    for (const update of stored.updates) {
      checkUpdate(update)
      Y.applyUpdate(reloaded, update)
    }
    expect(sameState(reloaded, a.doc)).toBe(true)
    expect(reloaded.getText(GOOD_TEXT).toString()).toBe(a.doc.getText(GOOD_TEXT).toString())
  }, 2 * TIME_LIMIT_MS + 60_000)
})
