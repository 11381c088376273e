/**
 * Structure-aware fuzzing of a live server: tens of thousands of updates
 * that are well-formed Yjs but hostile in what they say (hostile-updates.ts:
 * extreme clocks, origins at a struct itself or its future, unknown parents,
 * huge delete sets, chains of structs waiting on one another), sent from a
 * pool of raw sockets while two stock providers edit a Y.Text and a
 * Y.XmlFragment of the same room. The room answers each update with its
 * stored-acknowledgement (`?ack=1`) or by closing the socket, so every
 * update is known to be accepted or refused.
 *
 * The updates go in steps. After each, the server is up, the honest clients
 * converge with the room, and the room's document equals what its storage
 * holds, read back from storage; at every checkpoint the server restarts on
 * the same data and a fresh client loads exactly what a fresh client was
 * served before. A step that breaks an invariant is counted and written to
 * a file named in the failure, with the stored document before the step and
 * every update of it in hex; the room is then deleted and seeded again, so
 * that one run finds every kind of break. Seeded: FUZZ_SEED=<seed> runs
 * another sequence, FUZZ_DEBUG=1 prints the counts after every step. Each
 * honest client records every frame the room sent it and every edit it
 * made (honest-edits.ts): replayed in order into a new document, they
 * rebuild its document exactly, where its encoded state may not.
 *
 * What it found is mended, each with a test of its own: Yjs gave another
 * result for the same updates applied in one transaction or one by one,
 * so a room never gives Yjs an update that waits for changes it lacks
 * (rooms/waiting-updates.ts) and applies updates in runs that end after
 * every deleting one (rooms/transaction-runs.ts); an item or delete range
 * splitting a UTF-16 surrogate pair is refused by the guard; an update
 * repeating structs the room holds is relayed and stored cut to what it
 * adds (rooms/new-part.ts), where relayed whole it made providers throw;
 * and an update whose items claim neighbours their writer cannot have
 * seen (its own earlier items, or its neighbours' own neighbours), whose
 * structs wait on one another in a cycle, or that leaves a map value of
 * several units, is refused and the room reloaded
 * (rooms/integration-check.ts): Yjs ordered such items by arrival, so that
 * a client loading the room's encoded state saw another document than the
 * room, and threw collecting a split map value when an honest client
 * deleted its element. The honest editors here place carets and deletions
 * between characters and remove whole elements, as every editor does,
 * counting positions as Yjs does (embeds and other content included).
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import * as decoding from 'lib0/decoding'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { CLOSE_CODES, CLOSE_INVALID_PAYLOAD, CLOSE_SERVICE_RESTART, MESSAGE_STORED, MESSAGE_SYNC, SYNC_STEP_1, readStoredCount } from '@ortak/protocol'
import type { Config } from '../src/config.js'
import { encodeSyncStep2, encodeUpdate } from '../src/protocol/messages.js'
import { yDocFromUpdates } from '../src/documents/replica-doc.js'
import { brokenStructure, differenceBetween, visibleContent } from './document-differences.js'
import { connectClient, startServer, tempDir, waitFor, type TestClient, type TestServer } from './helpers.js'
import { honestEdit, makeHonestEdit, type HonestEvent } from './honest-edits.js'
import { HostileUpdates, documentWithEverything, seededRandom } from './hostile-updates.js'

const UPDATES = 50_000
const UPDATES_PER_STEP = 500
const CHECKPOINT_EVERY = 10_000
const SOCKETS = 8
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_212)
const ROOM = 'hostile'
/** Past this many steps that broke an invariant the run stops: enough to report, and the rest mostly repeat them. */
const MAX_BROKEN_STEPS = 5
/** Cases of one kind of break written to files: a few are enough to replay it. */
const RECORDED_PER_KIND = 2
/** An update neither acknowledged nor refused within this time is a break of its own. */
const ANSWER_TIMEOUT_MS = 10_000

const SETTINGS: Partial<Config> = {
  // Rate limits out of the way: the hostile sockets send as fast as the room answers (limits have their own tests).
  maxMessagesPerSecond: 1_000_000,
  maxBytesPerSecond: 1 << 30,
  maxConnectionsPerSecondPerAddress: 1_000_000,
  // A short log keeps reading the room back from storage after every step cheap, and compaction runs often.
  compactAfterUpdates: 1_000,
}

/** What became of one hostile update, as its socket tells. */
type Outcome =
  | { kind: 'accepted' }
  | { kind: 'refused'; code: number; reason: string }
  /** 1012: an update of the same batch made Yjs throw, so the room was reloaded from storage and stored none of the batch. */
  | { kind: 'reloaded' }
  /** Neither acknowledged nor refused: closed without a refusal code, or not answered in time. */
  | { kind: 'lost'; code: number; reason: string }

function outcomeOfClose(code: number, reason: string): Outcome {
  if (code === CLOSE_SERVICE_RESTART) return { kind: 'reloaded' }
  if (CLOSE_CODES.get(code)?.refusal) return { kind: 'refused', code, reason }
  return { kind: 'lost', code, reason }
}

/**
 * A raw socket to the room that sends one update at a time and waits to
 * learn what became of it: the room's stored-acknowledgement counting it,
 * or the socket closed for it.
 */
class HostileSocket {
  private sent = 0
  private settle: ((outcome: Outcome) => void) | null = null
  private isClosed = false

  /**
   * Opens a socket and, as every y-websocket client does, answers the
   * room's sync step 1 (with an empty sync step 2) before it sends
   * anything: until then the room holds back an update that waits for
   * changes it lacks (a reconnecting client's edit may), rather than
   * answer it.
   */
  static open(wsUrl: string): Promise<HostileSocket> {
    const ws = new WebSocket(`${wsUrl}/${ROOM}?ack=1`)
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        const socket = new HostileSocket(ws)
        socket.synced.then(() => resolve(socket), reject)
      })
      ws.once('error', reject)
    })
  }

  private readonly synced: Promise<void>

  private constructor(private readonly ws: WebSocket) {
    let answered: () => void
    this.synced = new Promise((resolve) => (answered = resolve))
    // Everything the room broadcasts reaches this socket too; only its sync step 1 and the acknowledgements matter here.
    ws.on('message', (data: Buffer) => {
      if (data[0] === MESSAGE_SYNC && data[1] === SYNC_STEP_1 && this.sent === 0) {
        this.sent++
        ws.send(encodeSyncStep2(new Uint8Array([0, 0])))
        return answered()
      }
      if (data[0] !== MESSAGE_STORED) return
      const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      decoding.readVarUint(decoder)
      if (readStoredCount(decoder) >= this.sent) this.answer({ kind: 'accepted' })
    })
    ws.on('close', (code, reason) => {
      this.isClosed = true
      this.answer(outcomeOfClose(code, reason.toString()))
    })
    // A reset shows as an error before the close; the close tells what became of the update.
    ws.on('error', () => {})
  }

  get isOpen(): boolean {
    return !this.isClosed
  }

  send(update: Uint8Array): Promise<Outcome> {
    this.sent++
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.answer({ kind: 'lost', code: 0, reason: `no answer within ${ANSWER_TIMEOUT_MS} ms` })
        this.ws.terminate()
      }, ANSWER_TIMEOUT_MS)
      this.settle = (outcome) => {
        clearTimeout(timer)
        resolve(outcome)
      }
      this.ws.send(encodeUpdate(update))
    })
  }

  private answer(outcome: Outcome): void {
    const settle = this.settle
    this.settle = null
    settle?.(outcome)
  }

  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve()
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

/** SOCKETS hostile sockets sending a step's updates side by side, each opened again once the room closed it. */
class HostilePool {
  private sockets: Array<HostileSocket | null> = Array.from({ length: SOCKETS }, () => null)

  constructor(public wsUrl: string) {}

  /** Sends every update once; calls `afterEach` with how many are answered so far. Resolves with their outcomes, in order. */
  async sendAll(updates: readonly Uint8Array[], afterEach: (answered: number) => void): Promise<Outcome[]> {
    const outcomes: Outcome[] = []
    let next = 0
    let answered = 0
    await Promise.all(this.sockets.map(async (_, slot) => {
      while (next < updates.length) {
        const at = next++
        let socket = this.sockets[slot]
        if (!socket?.isOpen) this.sockets[slot] = socket = await HostileSocket.open(this.wsUrl)
        outcomes[at] = await socket.send(updates[at]!)
        afterEach(++answered)
      }
    }))
    return outcomes
  }

  async close(): Promise<void> {
    const sockets = this.sockets
    this.sockets = sockets.map(() => null)
    await Promise.all(sockets.map((socket) => socket?.close()))
  }
}

/**
 * The room as its storage holds it, read back and loaded as the room loads
 * it (documents/replica-doc.ts); or, if Yjs throws loading it, the error. With
 * the updates read, for the record.
 */
async function storedDocument(server: TestServer): Promise<{ doc: Y.Doc; error?: undefined; updates: Uint8Array[] } | { doc?: undefined; error: Error; updates: Uint8Array[] }> {
  const { updates } = await server.server.storage.load(ROOM)
  try {
    return { doc: yDocFromUpdates(updates), updates }
  } catch (error) {
    return { error: error as Error, updates }
  }
}

/**
 * What a stock provider that holds nothing loads from the room, or why it
 * loaded nothing. Its provider is destroyed once synced: its own answer
 * (everything it holds, what waits for missing changes included) goes no
 * further.
 */
async function freshClientLoad(server: TestServer): Promise<{ doc?: Y.Doc; problem?: string }> {
  const doc = new Y.Doc()
  const client = connectClient(server.wsUrl, ROOM, { doc })
  const closes: string[] = []
  client.provider.on('connection-close', (event) => closes.push(`${event?.code} ${event?.reason}`))
  try {
    await waitFor('a fresh client to sync', () => client.provider.synced, 20_000)
    return { doc }
  } catch (error) {
    doc.destroy()
    return { problem: `${(error as Error).message} (closes: ${closes.join(', ')})` }
  } finally {
    client.provider.destroy()
  }
}


/** A stock provider with a Yjs client id of its own, reconnecting quickly after the room is reloaded. */
function honestClient(wsUrl: string, clientId: number): TestClient & { terminalCloses: string[]; closes: string[]; events: HonestEvent[] } {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const events: HonestEvent[] = []
  // Registered before the provider's own listener, so a frame is recorded before it is applied.
  class RecordingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      this.on('message', (data: Buffer | ArrayBuffer) => events.push({ kind: 'received', frame: hex(new Uint8Array(data)) }))
    }
  }
  const client = connectClient(wsUrl, ROOM, { doc, maxBackoffTime: 20, WebSocketClass: RecordingWebSocket as typeof WebSocket })
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    const last = events.at(-1)
    if (origin !== client.provider && last?.kind === 'edit') last.update = hex(update)
  })
  const terminalCloses: string[] = []
  client.provider.on('closed', ({ code, reason }) => terminalCloses.push(`${code} ${reason}`))
  // Every close, for a break's record: the last few tell why a client is not connected.
  const closes: string[] = []
  client.provider.on('connection-close', (event) => {
    closes.push(`${event?.code} ${event?.reason}`)
    if (closes.length > 5) closes.shift()
  })
  return { ...client, terminalCloses, closes, events }
}

type HonestClient = ReturnType<typeof honestClient>

/** Makes what replays a step, with `more` to it, for a break's file: called only when one is written. */
type StepRecord = (more?: Record<string, unknown>) => () => Record<string, unknown>

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/**
 * y-protocols catches what Yjs throws while a provider applies an update
 * and writes this to the console: the provider carries on without it.
 */
const PROVIDER_COULD_NOT_APPLY = 'Caught error while handling a Yjs update'

/** One run: the server, the hostile pool, the honest clients, what was counted and what broke. */
class HostileRun {
  readonly counts = { tried: 0, accepted: 0, refused: 0, reloaded: 0, lost: 0, steps: 0, restarts: 0, roomReloads: 0, startsOver: 0 }
  readonly refusals: Record<string, number> = {}
  readonly broken = new Map<string, { count: number; first: string }>()
  brokenSteps = 0
  private readonly pool: HostilePool
  private readonly failureDir = tempDir('ortak-hostile-')
  private readonly editor = seededRandom(SEED ^ 0x5eed)
  /** Every honest client id used so far: the hostile updates never write as one (see HostileOptions.spare). */
  private readonly honestIds = new Set<number>()
  private honest: HonestClient[] = []
  /** The room as storage held it after the last step: what the next step's updates are generated against. */
  private stored: Y.Doc | null = null
  private providerErrors = 0
  private step = 0

  constructor(private server: TestServer) {
    this.pool = new HostilePool(server.wsUrl)
    const consoleError = console.error.bind(console)
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith(PROVIDER_COULD_NOT_APPLY)) this.providerErrors++
      consoleError(...args)
    })
  }

  private get room() {
    return this.server.server.registry.get(ROOM)
  }

  /** Deletes the room and seeds it again with a little of everything for hostile updates to refer into, with new honest clients. */
  async startOver(): Promise<void> {
    for (const client of this.honest) client.destroy()
    await this.pool.close()
    await this.server.server.registry.deleteRoom(ROOM)
    const seeder = await HostileSocket.open(this.server.wsUrl)
    expect(await seeder.send(Y.encodeStateAsUpdate(documentWithEverything()))).toEqual({ kind: 'accepted' })
    await seeder.close()
    this.replaceHonestClients()
    expect(await this.convergence()).toBeNull()
    const stored = await storedDocument(this.server)
    if (stored.error) throw stored.error
    this.stored = stored.doc
  }

  /**
   * A batch of hostile updates with honest edits before and amid them, then
   * every invariant checked; at a checkpoint, a restart. A step that broke
   * something starts the room over, so the next one tests a sound room.
   */
  async runStep(): Promise<void> {
    const step = this.step++
    const started = performance.now()
    const brokenBefore = this.brokenCount()
    const record = await this.sendAndCheck(step)
    const startOverIfBroken = async (since: number) => {
      if (this.brokenCount() === since) return
      this.counts.startsOver++
      await this.startOver()
    }
    await startOverIfBroken(brokenBefore)
    if (this.counts.tried % CHECKPOINT_EVERY === 0) {
      const brokenBeforeRestart = this.brokenCount()
      await this.restart(step, record)
      await startOverIfBroken(brokenBeforeRestart)
    }
    if (this.brokenCount() > brokenBefore) this.brokenSteps++
    if (process.env.FUZZ_DEBUG) {
      const ms = Math.round(performance.now() - started)
      console.log(`step ${step} (${ms} ms): ${JSON.stringify({ ...this.counts, refusals: this.refusals, broken: this.brokenCounts() })}`)
    }
  }

  /** Sends a step's updates, checks every invariant, and returns what replays the step, for a break found later. */
  private async sendAndCheck(step: number): Promise<StepRecord> {
    // Generated against what the room holds now, honest edits and accepted hostile updates included.
    const generator = new HostileUpdates(SEED + step, this.stored!, { spare: this.honestIds })
    const updates = Array.from({ length: UPDATES_PER_STEP }, () => generator.next())
    const storedBefore = Y.encodeStateAsUpdate(this.stored!)
    const outcomes: Outcome[] = []
    const record: StepRecord = (more = {}) => () => ({
      storedBefore: hex(storedBefore),
      updates: updates.map((update, i) => ({ outcome: outcomes[i], update: hex(update) })),
      served: this.room && hex(Y.encodeStateAsUpdate(this.room.doc)),
      ...more,
    })
    const edit = () => {
      const failed = this.editHonestly()
      if (failed) this.broke('an honest client could not edit', step, failed.error.stack ?? failed.error.message, record({ clientId: failed.clientId, clientEvents: failed.events }))
    }
    edit()
    outcomes.push(...await this.pool.sendAll(updates, (answered) => {
      if (answered === UPDATES_PER_STEP / 2) edit()
    }))
    this.count(outcomes)
    const lost = outcomes.filter((outcome) => outcome.kind === 'lost')
    if (lost.length > 0) this.broke('update neither acknowledged nor refused', step, `${lost.length} updates, the first ${JSON.stringify(lost[0])}`, record())

    // The server is up, and logged no error but the reloads it makes on purpose.
    const health = await fetch(`${this.server.url}/healthz`).then((r) => r.status, (error: Error) => error.message)
    if (health !== 200) this.broke('server down', step, `/healthz answered ${health}`, record())
    const logs = this.server.logs.splice(0)
    this.counts.roomReloads += logs.filter((l) => l.msg === 'a refused update changed the document in memory: reloading the room from storage').length
    const errors = logs.filter((l) => l.level >= 50 && !l.msg.startsWith('a refused update changed the document'))
    if (errors.length > 0) this.broke('server logged an error', step, JSON.stringify(errors[0]), record())

    // What storage holds can be loaded: else nothing can load the room any more, the room itself after a reload included.
    await waitFor('the room to store what it applied', () => !this.room?.hasUnstoredWrites)
    const loadable = await storedDocument(this.server)
    if (loadable.error) {
      this.broke('what storage holds cannot be loaded', step, loadable.error.stack ?? loadable.error.message, record({ storedUpdates: loadable.updates.map(hex) }))
      return record
    }
    loadable.doc.destroy()

    // The honest clients converge with the room, and applied everything it sent them.
    const divergence = await this.convergence()
    if (divergence) this.broke('honest clients do not converge with the room', step, divergence, record(this.honestRecord()))
    if (this.providerErrors > 0) this.broke('a provider could not apply what the room sent', step, `${this.providerErrors} times`, record())
    // And hold what Yjs can go on with: no value a later delete would fail on, nothing their encoded state loses.
    const unsound = this.honest.map((c) => brokenStructure(c.doc)).find((problem) => problem)
    if (unsound) this.broke('an honest client holds a document Yjs cannot go on with', step, unsound, record(this.honestRecord()))
    this.providerErrors = 0

    // The room's document is what its storage holds.
    const readBack = await storedDocument(this.server)
    const difference = readBack.error ? { kind: 'cannot be loaded', detail: readBack.error.message } : this.room && differenceBetween(this.room.doc, readBack.doc)
    if (difference) this.broke(`room differs from what storage holds: ${difference.kind}`, step, difference.detail, record({ stored: readBack.doc && hex(Y.encodeStateAsUpdate(readBack.doc)) }))
    if (readBack.doc) this.stored = readBack.doc

    return record
  }

  /** A restart on the same data: a fresh client loads exactly what a fresh client was served before it. */
  private async restart(step: number, record: StepRecord): Promise<void> {
    const before = await freshClientLoad(this.server)
    await this.pool.close()
    const { dataDir, port } = this.server
    await this.server.close()
    // The same port, so the honest providers reconnect by themselves.
    this.server = await startServer({ ...SETTINGS, dataDir, port })
    this.pool.wsUrl = this.server.wsUrl
    this.counts.restarts++
    const after = await freshClientLoad(this.server)
    const difference = before.doc && after.doc
      ? differenceBetween(before.doc, after.doc)
      : { kind: 'nothing loaded', detail: `${before.problem ?? ''} ${after.problem ?? ''}` }
    if (difference) {
      this.broke(`fresh client loads another document after a restart: ${difference.kind}`, step, difference.detail, record({
        servedBeforeRestart: before.doc && hex(Y.encodeStateAsUpdate(before.doc)),
        loadedAfterRestart: after.doc && hex(Y.encodeStateAsUpdate(after.doc)),
      }))
    }
    before.doc?.destroy()
    after.doc?.destroy()
    const divergence = await this.convergence()
    if (divergence) this.broke('honest clients do not converge with the room', step, `after the restart: ${divergence}`, record(this.honestRecord()))
  }

  /** Waits until the room has stored every write and the honest clients are connected, synced and see what it holds; or says how they differ. */
  private async convergence(): Promise<string | null> {
    try {
      await waitFor('the honest clients to sync with the room', () => {
        const room = this.room
        if (!room?.isReady || room.hasUnstoredWrites) return false
        const stateVector = Buffer.from(Y.encodeStateVector(room.doc))
        return this.honest.every((c) => c.provider.wsconnected && c.provider.synced && stateVector.equals(Y.encodeStateVector(c.doc)))
      }, 5_000)
      // A delete leaves the state vectors as they are: give one in flight the time to arrive (after a restart,
      // every client's sync at once, on a shared machine).
      await waitFor('the honest clients to see what the room holds', () => {
        const room = this.room
        if (!room || room.hasUnstoredWrites) return false
        const seen = visibleContent(room.doc)
        return this.honest.every((c) => visibleContent(c.doc) === seen)
      }, 5_000)
      return null
    } catch (error) {
      const room = this.room
      return `${(error as Error).message}: ${JSON.stringify({
        differences: room ? this.honest.map((c) => differenceBetween(c.doc, room.doc)) : 'no room loaded',
        honest: this.honest.map((c) => ({ connected: c.provider.wsconnected, synced: c.provider.synced, terminalCloses: c.terminalCloses, lastCloses: c.closes })),
      })}`
    }
  }

  /**
   * A few edits by each honest client, as a user would make them. What a
   * hostile update did to a client's document may make Yjs throw on an
   * edit: then the first error, and what that client's document was made of, to replay it.
   */
  private editHonestly(): { error: Error; clientId: number; events: HonestEvent[] } | null {
    let failed = null
    for (const client of this.honest) {
      for (let edits = 1 + Math.floor(this.editor() * 2); edits > 0; edits--) {
        const edit = honestEdit(client.doc, this.editor)
        if (!edit) continue
        client.events.push({ kind: 'edit', edit })
        try {
          makeHonestEdit(client.doc, edit)
        } catch (error) {
          failed ??= { error: error as Error, clientId: client.doc.clientID, events: [...client.events] }
        }
      }
    }
    return failed
  }

  /** Each honest client's document and what it was made of, for a break's record. */
  private honestRecord(): Record<string, unknown> {
    return { honest: this.honest.map((c) => ({ clientId: c.doc.clientID, state: hex(Y.encodeStateAsUpdate(c.doc)), events: c.events })) }
  }

  /** New honest clients with new client ids, holding nothing: what the old ones held may be what broke. */
  private replaceHonestClients(): void {
    for (const client of this.honest) client.destroy()
    this.honest = [0, 1].map(() => {
      const id = 1_000_000 + this.honestIds.size
      this.honestIds.add(id)
      return honestClient(this.server.wsUrl, id)
    })
  }

  private count(outcomes: readonly Outcome[]): void {
    this.counts.steps++
    for (const outcome of outcomes) {
      this.counts.tried++
      this.counts[outcome.kind]++
      if (outcome.kind !== 'refused') continue
      // 1007 is the guard's refusal or Yjs's (the room reloaded): told apart by the reason's first words.
      const why = outcome.code === CLOSE_INVALID_PAYLOAD ? `${outcome.code} ${outcome.reason.split(':')[0]}` : String(outcome.code)
      this.refusals[why] = (this.refusals[why] ?? 0) + 1
    }
  }

  /** Counts a broken invariant; writes its first cases, with what it takes to replay the step, to a file. */
  private broke(kind: string, step: number, detail: string, record: () => Record<string, unknown>): void {
    const seen = this.broken.get(kind) ?? { count: 0, first: '' }
    seen.count++
    if (seen.count <= RECORDED_PER_KIND) {
      const file = path.join(this.failureDir, `step-${step}-${kind.replace(/[^a-z0-9]+/gi, '-')}.json`)
      fs.writeFileSync(file, JSON.stringify({ seed: SEED, step, kind, detail, ...record() }))
      if (seen.count === 1) seen.first = `step ${step}: ${detail.slice(0, 600)}; details in ${file}`
    }
    this.broken.set(kind, seen)
  }

  private brokenCount(): number {
    return [...this.broken.values()].reduce((sum, { count }) => sum + count, 0)
  }

  brokenCounts(): Record<string, number> {
    return Object.fromEntries([...this.broken].map(([kind, { count }]) => [kind, count]))
  }

  async close(): Promise<void> {
    vi.restoreAllMocks()
    await this.pool.close()
    for (const client of this.honest) client.destroy()
    await this.server.close()
  }
}

describe('under hostile updates', () => {
  it(`after every step of ${UPDATES} hostile updates the server is up, honest clients converge and the room equals its storage; after every restart a fresh client loads what a fresh client was served before (seed ${SEED})`, { timeout: 300_000 }, async () => {
    const started = performance.now()
    const run = new HostileRun(await startServer(SETTINGS))
    try {
      await run.startOver()
      while (run.counts.tried < UPDATES && run.brokenSteps < MAX_BROKEN_STEPS && !run.broken.has('server down')) await run.runStep()
    } finally {
      await run.close()
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(`hostile updates against a live server, seed ${SEED}: ${JSON.stringify({ ...run.counts, refusals: run.refusals, broken: run.brokenCounts() })} in ${seconds} s`)
    expect([...run.broken].map(([kind, { count, first }]) => `${kind} (${count} times), first at ${first}`)).toEqual([])
    expect(run.counts.tried).toBeGreaterThanOrEqual(UPDATES)
    expect(run.counts.restarts).toBe(UPDATES / CHECKPOINT_EVERY)
    // The updates must keep the room busy, not only the update guard (whose refusals are most of them, by design).
    const refusedByTheGuard = Object.entries(run.refusals).filter(([why]) => why.startsWith(`${CLOSE_INVALID_PAYLOAD} update could not be decoded`)).reduce((sum, [, n]) => sum + n, 0)
    expect(run.counts.tried - refusedByTheGuard).toBeGreaterThan(UPDATES / 5)
    expect(run.counts.accepted).toBeGreaterThan(UPDATES / 10)
  })
})
