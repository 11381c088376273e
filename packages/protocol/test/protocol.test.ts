import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as protocol from '../src/index.js'

describe('close codes', () => {
  const exported = Object.entries(protocol).filter(([name]) => name.startsWith('CLOSE_') && name !== 'CLOSE_CODES') as Array<[string, number]>

  it('describes every close code it exports, and nothing else', () => {
    expect(exported.length).toBeGreaterThan(10)
    expect(new Set(exported.map(([, code]) => code)).size).toBe(exported.length)
    expect([...protocol.CLOSE_CODES.keys()].sort()).toEqual(exported.map(([, code]) => code).sort())
  })

  it('tells a client to stop exactly for 4400-4499, as the stock provider does', () => {
    for (const [name, code] of exported) {
      expect(protocol.shouldReconnect(code), name).toBe(code < 4400 || code >= 4500)
    }
    expect(protocol.shouldReconnect(4399)).toBe(true)
    expect(protocol.shouldReconnect(4499)).toBe(false)
  })

  it('names a metric reason for refusals only', () => {
    expect(protocol.CLOSE_CODES.get(protocol.CLOSE_RATE_LIMITED)?.refusal).toBe('rate_limited')
    for (const code of [protocol.CLOSE_INTERNAL_ERROR, protocol.CLOSE_SERVICE_RESTART, protocol.CLOSE_ROOM_DELETED, protocol.CLOSE_TRY_AGAIN_LATER]) {
      expect(protocol.CLOSE_CODES.get(code)?.refusal).toBeUndefined()
    }
  })
})

describe('stored acknowledgement', () => {
  it('round-trips its count after the message type', () => {
    const decoder = decoding.createDecoder(protocol.encodeStored(300_000))
    expect(decoding.readVarUint(decoder)).toBe(protocol.MESSAGE_STORED)
    expect(protocol.readStoredCount(decoder)).toBe(300_000)
    expect(decoding.hasContent(decoder)).toBe(false)
  })

  it('counts sync step 2 and updates as document messages, and nothing else', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'x')
    const frame = (write: (encoder: encoding.Encoder) => void, type = protocol.MESSAGE_SYNC) => {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, type)
      write(encoder)
      return encoding.toUint8Array(encoder)
    }
    expect(protocol.isDocumentMessage(frame((e) => syncProtocol.writeSyncStep2(e, doc)))).toBe(true)
    expect(protocol.isDocumentMessage(frame((e) => syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc))))).toBe(true)
    expect(protocol.isDocumentMessage(frame((e) => syncProtocol.writeSyncStep1(e, doc)))).toBe(false)
    expect(protocol.isDocumentMessage(frame((e) => encoding.writeVarUint8Array(e, new Uint8Array([0])), protocol.MESSAGE_AWARENESS))).toBe(false)
    expect(protocol.isDocumentMessage(protocol.encodeStored(1))).toBe(false)
  })
})

describe("README's close code table", () => {
  it('lists every close code, each with the reconnect behaviour the protocol package gives it', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
    const rows = [...readme.matchAll(/^\| (\d{4}) \| [^|]+ \| (stops|retries with backoff) \|$/gm)]
    const documented = new Map(rows.map(([, code, behaviour]) => [Number(code), behaviour === 'retries with backoff']))
    expect([...documented.keys()].sort()).toEqual([...protocol.CLOSE_CODES.keys()].sort())
    for (const [code, reconnects] of documented) expect(reconnects, `close code ${code}`).toBe(protocol.shouldReconnect(code))
  })
})
