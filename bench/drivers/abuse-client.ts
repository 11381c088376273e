/**
 * The abuse scenario's clients, on raw `ws` sockets: in every attacked
 * room an honest bystander (connected, present, reconnecting when closed,
 * as a stock provider does), and one attacker at a time, which sends its
 * attack's frames as fast as the server reads them and reconnects at once
 * whenever the server closes it. Each attack runs once per driver: it
 * keeps what it learnt of its room across reconnections. On Hocuspocus
 * every frame, the attacker's and the bystander's, goes in that server's
 * framing (bench/lib/wire.ts): the same messages, addressed to the room.
 */
import { WebSocket } from 'ws'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { awarenessFrame } from '../../server/test/security-helpers.js'
import { ATTACKS, type Attack } from '../lib/attacks.js'
import { driverOptions, onCommand, report } from '../lib/driver-side.js'
import { ProtocolClient, updateOf } from '../lib/protocol-client.js'
import { TRACE_CLIENT_ID, loadTrace, traceLength } from '../lib/trace.js'
import { type Framing, type Wire, framing, unwrap } from '../lib/wire.js'

const { wire } = driverOptions<{ wire: Wire }>()

/** The attacked rooms' content: the whole paper, sent as a document saved now and then rather than keystroke by keystroke. */
const SEED_UPDATES = 64
const EMPTY_STATE_VECTOR_STEP_1 = Uint8Array.of(0, 0, 1, 0)
const EMPTY_UPDATE_STEP_2 = Uint8Array.of(0, 1, 2, 0, 0)
/** What the attacker sends before it waits for the server to have read it: frames, unless the bytes come first. */
const FRAMES_PER_BATCH = 256
const BATCH_BYTES = 1 << 20
const MAX_CONNECTIONS_PER_ATTACK = 50_000
/** The y-websocket provider's first reconnect delay. */
const BYSTANDER_RECONNECT_MS = 100
const MAX_BYSTANDER_RECONNECTS = 1_000

const seedFrames = loadTrace(traceLength(), Math.ceil(traceLength() / SEED_UPDATES)).frames
/** The trace writer's clock once the whole seed is applied. */
const seedClock = Y.parseUpdateMeta(Y.mergeUpdates(seedFrames.map((frame) => updateOf(frame)!))).to.get(TRACE_CLIENT_ID) ?? 0
// Built before any clock starts: some take a moment.
const attacks = new Map(ATTACKS.map((kind) => [kind.name, kind.create({ seedFrames })]))

/**
 * An honest client of an attacked room: it syncs, announces its presence,
 * answers the server's sync step 1 and counts the updates it receives.
 */
class Bystander {
  closes = 0
  /** The highest clock of the seeding writer received: a server may merge several of its updates into one. */
  seedClock = 0
  /** Resolves when the server first answered its sync step 1. */
  readonly synced: Promise<void>
  private resolveSynced!: () => void
  private socket: WebSocket | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private isStopped = false
  private readonly clientId = 1 + Math.floor(Math.random() * 0xffff_fffe)
  private awarenessClock = -1
  private onUpdate: (() => void) | null = null
  private readonly framing: Framing

  constructor(private readonly url: string) {
    this.framing = framing(wire, url)
    this.synced = new Promise((resolve) => { this.resolveSynced = resolve })
    this.connect()
  }

  /** Resolves once the seeding writer's updates up to `clock` have arrived. */
  async receivedSeed(clock: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs
    while (this.seedClock < clock) {
      if (performance.now() > deadline) throw new Error(`the bystander of ${this.url} received the seed up to clock ${this.seedClock} of ${clock} in ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        this.onUpdate = resolve
        setTimeout(resolve, 100)
      })
    }
  }

  stop(): void {
    this.isStopped = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.socket?.close()
  }

  private connect(): void {
    this.reconnectTimer = null
    const socket = new WebSocket(this.url, { perMessageDeflate: false })
    this.socket = socket
    socket.binaryType = 'nodebuffer'
    socket.on('open', () => {
      for (const frame of this.framing.opening) socket.send(frame)
      socket.send(this.framing.wrap(EMPTY_STATE_VECTOR_STEP_1))
      // A removed state leaves its clock one higher: a new one must be above that.
      this.awarenessClock += 2
      socket.send(this.framing.wrap(awarenessFrame(this.clientId, this.awarenessClock, { user: { name: 'bystander', color: '#30bced' } })))
    })
    socket.on('message', (frame: Buffer) => this.receive(socket, frame))
    socket.on('error', () => {})
    socket.on('close', () => {
      if (this.isStopped) return
      if (++this.closes > MAX_BYSTANDER_RECONNECTS) return
      this.reconnectTimer = setTimeout(() => this.connect(), BYSTANDER_RECONNECT_MS)
    })
  }

  private receive(socket: WebSocket, received: Buffer): void {
    const frame = unwrap(wire, received)
    if (frame === null || frame[0] !== 0) return
    const decoder = decoding.createDecoder(frame)
    decoding.readVarUint(decoder)
    const syncType = decoding.readVarUint(decoder)
    if (syncType === 0) socket.send(this.framing.wrap(EMPTY_UPDATE_STEP_2))
    if (syncType === 1) this.resolveSynced()
    if (syncType !== 2) return
    this.seedClock = Math.max(this.seedClock, Y.parseUpdateMeta(decoding.readVarUint8Array(decoder)).to.get(TRACE_CLIENT_ID) ?? 0)
    this.onUpdate?.()
  }
}

interface Tally {
  frames: number
  bytes: number
  connections: number
  /** Closes by the server, by close code (1006: the connection dropped without one). */
  closes: Record<number, number>
}

/** Runs `attack` against `url` for `ms`: connection after connection, each until the server closes it. */
async function runAttack(attack: Attack, url: string, ms: number): Promise<Tally> {
  const tally: Tally = { frames: 0, bytes: 0, connections: 0, closes: {} }
  const deadline = performance.now() + ms
  while (performance.now() < deadline && tally.connections < MAX_CONNECTIONS_PER_ATTACK) {
    tally.connections++
    const code = await attackOnce(attack, url, deadline, tally)
    if (code === null) continue
    tally.closes[code] = (tally.closes[code] ?? 0) + 1
    attack.closed?.(code)
  }
  return tally
}

/** One connection of an attack; resolves with the server's close code, or null if the attacker closed it (done, or at the deadline). */
async function attackOnce(attack: Attack, url: string, deadline: number, tally: Tally): Promise<number | null> {
  const socket = new WebSocket(url, { perMessageDeflate: false })
  const { opening, wrap } = framing(wire, url)
  socket.binaryType = 'nodebuffer'
  let isClosedByAttacker = false
  const closed = new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)))
  socket.on('error', () => {})
  socket.once('open', () => {
    for (const frame of opening) socket.send(frame)
    attack.connected?.()
  })
  socket.on('message', (received: Buffer) => {
    const frame = unwrap(wire, received)
    if (frame) attack.heard?.(frame)
  })
  await new Promise<void>((resolve) => {
    socket.once('open', () => resolve())
    void closed.then(() => resolve())
  })
  // A batch, then a ping: the pong comes back once the server has read the whole batch. The attacker
  // keeps the server as busy as it can be, without a pile of frames it would still be reading after the attack.
  const batchFrames = attack.framesPerBatch ?? FRAMES_PER_BATCH
  while (socket.readyState === WebSocket.OPEN && performance.now() < deadline && !attack.isDone?.()) {
    let frames = 0
    let bytes = 0
    for (let frame = attack.next(); frame; frame = frames < batchFrames && bytes < BATCH_BYTES ? attack.next() : null) {
      socket.send(wrap(frame))
      frames++
      bytes += frame.byteLength
    }
    tally.frames += frames
    tally.bytes += bytes
    if (frames === 0) {
      // Nothing to send until the server says something.
      await until(socket, 'message', 20)
      continue
    }
    socket.ping()
    await until(socket, 'pong', deadline - performance.now())
  }
  if (socket.readyState === WebSocket.OPEN) {
    isClosedByAttacker = true
    socket.close(1000)
    // A server still reading the frames queued ahead of the close may take a while to answer it.
    const timer = setTimeout(() => socket.terminate(), 2_000)
    await closed
    clearTimeout(timer)
  }
  const code = await closed
  return isClosedByAttacker ? null : code
}

/** Resolves on the socket's next `event`, its close, or after `timeoutMs`, whichever comes first. */
function until(socket: WebSocket, event: 'message' | 'pong', timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      socket.off(event, done)
      socket.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, timeoutMs))
    socket.once(event, done)
    socket.once('close', done)
  })
}

const bystanders = new Map<string, Bystander>()

onCommand('seed', async (command) => {
  const { urls } = command as unknown as { urls: string[] }
  await Promise.all(urls.map(async (url) => {
    const bystander = new Bystander(url)
    bystanders.set(url, bystander)
    // Synced first, so that it receives every seed update as an update of its own.
    await bystander.synced
    const seeder = new ProtocolClient(url, wire)
    await seeder.synced
    await seeder.sendAll(seedFrames.map(seeder.framing.wrap))
    // Each server relays an update once it has applied it (Ortak: once it has stored it).
    await bystander.receivedSeed(seedClock, 60_000)
    seeder.close()
    await seeder.closed
  }))
  report('seeded', { updates: seedFrames.length, bytes: seedFrames.reduce((sum, frame) => sum + frame.byteLength, 0) })
})

onCommand('attack', async (command) => {
  const { name, url, ms } = command as unknown as { name: string; url: string; ms: number }
  const attack = attacks.get(name)
  if (!attack) throw new RangeError(`unknown attack "${name}"`)
  const bystander = bystanders.get(url)
  const bystanderClosesBefore = bystander?.closes ?? 0
  const cpuAtStart = process.cpuUsage()
  const tally = await runAttack(attack, url, ms)
  const cpu = process.cpuUsage(cpuAtStart)
  report('attacked', {
    ...tally,
    attackerCpuSeconds: (cpu.user + cpu.system) / 1e6,
    bystanderCloses: (bystander?.closes ?? 0) - bystanderClosesBefore,
  })
})

onCommand('close', () => {
  for (const bystander of bystanders.values()) bystander.stop()
  bystanders.clear()
  report('closed')
})

report('ready')
