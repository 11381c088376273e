/**
 * The automerge-paper editing trace as y-websocket update frames, one per
 * trace transaction (or per run of transactions), encoded once and cached
 * in the system's temp folder (never in the repository) so no timed run
 * pays for the encoding.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { documentFragmentName } from '@ortak/schema'
import { repoRoot } from './servers.js'

export const TRACE_FILE = process.env.BENCH_TRACE ?? path.resolve(repoRoot, '../shared/traces/automerge-paper.json.gz')
export const TRACE_ROOT = 't'
/** The writer's Yjs client id, fixed so cached frames and checks agree across runs. */
export const TRACE_CLIENT_ID = 4242

/**
 * Where the trace's text is typed: the Y.Text TRACE_ROOT (what the stock
 * clients of most scenarios read), or one paragraph of the editor's
 * document (documentFragmentName), for what an editor shows.
 */
export type TraceShape = 'text' | 'paragraph'

/** The text of a document the trace was typed into as a paragraph. */
export function paragraphText(doc: Y.Doc): string {
  const paragraph = doc.getXmlFragment(documentFragmentName).get(0) as Y.XmlElement | undefined
  return paragraph?.get(0)?.toString() ?? ''
}

export interface TraceJson {
  endContent: string
  txns: Array<{ patches: Array<[number, number, string]> }>
}

export interface EncodedTrace {
  /** y-websocket sync-update frames: [0][2][varUint8Array update], one per `transactionsPerFrame` trace transactions. */
  frames: Uint8Array[]
  /** The text after these frames are applied. */
  endText: string
  /** Size of Y.encodeStateAsUpdate of the resulting document. */
  stateBytes: number
}

export const traceLength = (): number => readTrace().txns.length

let parsed: TraceJson | null = null

/** Where encoded frames are cached: the system's temp folder, the name tied to the trace file's size and time. */
export function cacheFile(name: string): string {
  const stat = fs.statSync(TRACE_FILE)
  return path.join(os.tmpdir(), 'ortak-bench', `${name}-${stat.size}-${Math.floor(stat.mtimeMs)}-v1.bin`)
}

function traceCacheName(count: number, transactionsPerFrame: number, shape: TraceShape): string {
  const grouping = transactionsPerFrame === 1 ? '' : `-by${transactionsPerFrame}`
  return `trace-${count}${grouping}${shape === 'text' ? '' : `-${shape}`}`
}

/**
 * The first `count` transactions, encoded (from the cache when present).
 * With `transactionsPerFrame` above 1, each frame is one Yjs transaction
 * holding that many trace transactions: a document that arrived in a few
 * large saves rather than keystroke by keystroke.
 */
export function loadTrace(count: number, transactionsPerFrame = 1, shape: TraceShape = 'text'): EncodedTrace {
  const file = cacheFile(traceCacheName(count, transactionsPerFrame, shape))
  if (!fs.existsSync(file)) writeFrames(file, encode(count, transactionsPerFrame, shape))
  return readFrames(file)
}

/** The trace's transactions, parsed once per process. */
export function readTrace(): TraceJson {
  parsed ??= JSON.parse(zlib.gunzipSync(fs.readFileSync(TRACE_FILE)).toString()) as TraceJson
  return parsed
}

/** A y-websocket sync-update frame: [0 sync][2 update][varUint8Array update]. */
export function updateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, 2)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** The Y.Text or XmlText the trace is typed into; a paragraph is made by the first frame, with its first edits. */
function typedText(doc: Y.Doc, shape: TraceShape): Y.Text {
  if (shape === 'text') return doc.getText(TRACE_ROOT)
  const paragraph = new Y.XmlElement('paragraph')
  const text = new Y.XmlText()
  paragraph.insert(0, [text])
  doc.getXmlFragment(documentFragmentName).insert(0, [paragraph])
  return text
}

function encode(count: number, transactionsPerFrame: number, shape: TraceShape): EncodedTrace {
  const trace = readTrace()
  if (count > trace.txns.length) throw new RangeError(`the trace has ${trace.txns.length} transactions, not ${count}`)
  const doc = new Y.Doc()
  doc.clientID = TRACE_CLIENT_ID
  let text!: Y.Text
  const frames: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => frames.push(updateFrame(update)))
  for (let first = 0; first < count; first += transactionsPerFrame) {
    doc.transact(() => {
      if (first === 0) text = typedText(doc, shape)
      for (let i = first; i < Math.min(count, first + transactionsPerFrame); i++) {
        for (const [position, deleteCount, inserted] of trace.txns[i]!.patches) {
          if (deleteCount > 0) text.delete(position, deleteCount)
          if (inserted.length > 0) text.insert(position, inserted)
        }
      }
    })
  }
  const endText = text.toString()
  if (count === trace.txns.length && endText !== trace.endContent) throw new Error('replaying the trace did not produce its endContent')
  return { frames, endText, stateBytes: Y.encodeStateAsUpdate(doc).byteLength }
}

/** Writes frames to a cache file. Layout: [u32 header length][header JSON][per frame: u32 length, bytes]. */
export function writeFrames(file: string, trace: EncodedTrace): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const header = Buffer.from(JSON.stringify({ endText: trace.endText, stateBytes: trace.stateBytes, count: trace.frames.length }))
  const size = 4 + header.length + trace.frames.reduce((sum, f) => sum + 4 + f.byteLength, 0)
  const out = Buffer.alloc(size)
  let at = out.writeUInt32LE(header.length, 0)
  at += header.copy(out, at)
  for (const frame of trace.frames) {
    at = out.writeUInt32LE(frame.byteLength, at)
    out.set(frame, at)
    at += frame.byteLength
  }
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, out)
  fs.renameSync(temporary, file)
}

export function readFrames(file: string): EncodedTrace {
  const bytes = fs.readFileSync(file)
  const headerLength = bytes.readUInt32LE(0)
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString()) as { endText: string; stateBytes: number; count: number }
  const frames = new Array<Uint8Array>(header.count)
  let at = 4 + headerLength
  for (let i = 0; i < header.count; i++) {
    const length = bytes.readUInt32LE(at)
    at += 4
    frames[i] = new Uint8Array(bytes.buffer, bytes.byteOffset + at, length)
    at += length
  }
  return { frames, endText: header.endText, stateBytes: header.stateBytes }
}
