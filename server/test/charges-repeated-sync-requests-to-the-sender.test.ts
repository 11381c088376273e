/**
 * A sync step 1 is a few bytes; its answer is everything the room holds
 * that the state vector lacks, up to the whole document, encoded anew
 * (an unknown client id in the state vector makes the stored snapshot
 * useless). A client's first sync step 1 is its join and costs it nothing;
 * the answers to any further ones are charged to its byte budget.
 */
import { describe, expect } from 'vitest'
import * as encoding from 'lib0/encoding'
import { CLOSE_RATE_LIMITED, MESSAGE_SYNC, SYNC_STEP_2 } from '@ortak/protocol'
import { encodeSyncStep1 } from '../src/protocol/messages.js'
import { rawSocket, synced, testWithServer, waitFor } from './helpers.js'

const MAX_BYTES_PER_SECOND = 16 * 1024
const MAX_PAYLOAD_BYTES = 64 * 1024
const test = testWithServer({ maxBytesPerSecond: MAX_BYTES_PER_SECOND, maxPayloadBytes: MAX_PAYLOAD_BYTES })

/** A state vector naming one client the room has never seen: the answer is the whole document. */
function unknownClientStateVector(): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1)
  encoding.writeVarUint(e, 987_654)
  encoding.writeVarUint(e, 1)
  return encoding.toUint8Array(e)
}

describe('repeated sync requests', () => {
  test('are answered until their answers pass the sender’s byte budget, then it is closed with 4529', async ({ server, connect }) => {
    const writer = connect('big')
    await synced(writer)
    writer.doc.getText('t').insert(0, 'x'.repeat(20_000))
    await waitFor('stored', () => server.server.registry.get('big')?.hasUnstoredWrites === false)

    const asker = await rawSocket(server.wsUrl, 'big')
    const request = encodeSyncStep1(unknownClientStateVector())
    for (let i = 0; i < 100; i++) asker.ws.send(request)
    const closed = await asker.closed
    expect(closed.code).toBe(CLOSE_RATE_LIMITED)
    expect(closed.reason).toMatch(/repeated sync requests/)
    // Two seconds' worth plus one largest frame, as for what a client sends, and the first answer.
    const answered = asker.messages.filter((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_STEP_2).reduce((sum, m) => sum + m.byteLength, 0)
    expect(answered).toBeLessThanOrEqual(2 * MAX_BYTES_PER_SECOND + MAX_PAYLOAD_BYTES + 21_000)
    expect(answered).toBeGreaterThan(20_000)
    // The writer, who asked once, is still there.
    expect(writer.provider.wsconnected).toBe(true)
  })
})
