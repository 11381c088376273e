import { describe, expect, it } from 'vitest'
import { SaveTracker } from '../src/save-tracker.js'
import { isDocumentFrame } from '../src/stored-acks.js'
import { english } from '../src/messages.js'
import { describeStatus } from '../src/status.js'

describe('SaveTracker', () => {
  it('counts a change as saved only once a message carrying it is stored', () => {
    const tracker = new SaveTracker()
    const ledger = tracker.openLedger()
    for (let i = 0; i < 3; i++) {
      tracker.localChange()
      ledger.documentMessageSent()
    }
    expect(tracker.unsavedChanges).toBe(3)
    ledger.stored(2)
    expect(tracker.unsavedChanges).toBe(1)
    ledger.stored(3)
    expect(tracker.unsavedChanges).toBe(0)
  })

  it('lets a sync step 2 on a new connection confirm changes sent on a connection that died unconfirmed', () => {
    const tracker = new SaveTracker()
    const lost = tracker.openLedger()
    tracker.localChange()
    lost.documentMessageSent()
    tracker.localChange() // made while offline: never sent as an update
    const next = tracker.openLedger()
    next.documentMessageSent() // the sync step 2, carrying everything the server lacks
    expect(tracker.unsavedChanges).toBe(2)
    next.stored(1)
    expect(tracker.unsavedChanges).toBe(0)
  })

  it('does not confirm changes made after the last stored message', () => {
    const tracker = new SaveTracker()
    const ledger = tracker.openLedger()
    tracker.localChange()
    ledger.documentMessageSent()
    tracker.localChange()
    ledger.stored(5) // more than was sent: only what was sent is confirmed
    expect(tracker.unsavedChanges).toBe(1)
  })

  it('keeps changes an earlier page left unconfirmed until a message sent after loading is stored', () => {
    const tracker = new SaveTracker(4)
    expect(tracker.unsavedChanges).toBe(4)
    tracker.addUnsavedFromEarlierSession(2)
    expect(tracker.unsavedChanges).toBe(6)
    const ledger = tracker.openLedger()
    ledger.documentMessageSent()
    ledger.stored(1)
    expect(tracker.unsavedChanges).toBe(0)
  })

  it('tells its listeners about every change to the count, and stops when asked', () => {
    const tracker = new SaveTracker()
    const seen: number[] = []
    const stop = tracker.onChange(() => seen.push(tracker.unsavedChanges))
    const ledger = tracker.openLedger()
    tracker.localChange()
    ledger.documentMessageSent()
    ledger.stored(1)
    stop()
    tracker.localChange()
    expect(seen).toEqual([1, 0])
  })
})

describe('isDocumentFrame', () => {
  it('recognises sync step 2 and update messages in any form a socket sends, nothing else', () => {
    expect(isDocumentFrame(new Uint8Array([0, 1, 2, 0, 0]))).toBe(true)
    expect(isDocumentFrame(new Uint8Array([0, 2, 2, 0, 0]))).toBe(true)
    expect(isDocumentFrame(new Uint8Array([9, 0, 2, 0, 0]).subarray(1))).toBe(true)
    expect(isDocumentFrame(new Uint8Array([0, 0, 1, 0]))).toBe(false) // sync step 1
    expect(isDocumentFrame(new Uint8Array([1, 5]))).toBe(false) // awareness
    expect(isDocumentFrame(new Uint8Array([0]))).toBe(false)
    expect(isDocumentFrame(new Uint8Array([0, 2, 2, 0, 0]).buffer)).toBe(true)
    expect(isDocumentFrame('0 1')).toBe(false)
    expect(isDocumentFrame(new Blob([new Uint8Array([0, 2, 2, 0, 0])]))).toBe(false)
  })
})

describe('describeStatus', () => {
  const status = (connection: 'connecting' | 'online' | 'offline', unsavedChanges: number, refusal?: string) =>
    describeStatus({ connection, unsavedChanges, isSaved: unsavedChanges === 0, mode: 'edit', ...(refusal === undefined ? {} : { refusal }) }, english)

  it('says Saved only with nothing unconfirmed, and counts what is unsaved while not online', () => {
    expect(status('online', 0)).toEqual({ connection: 'Online', changes: 'Saved', note: '' })
    expect(status('online', 3)).toEqual({ connection: 'Online', changes: 'Saving…', note: '' })
    expect(status('offline', 1)).toEqual({ connection: 'Offline', changes: '1 unsaved change', note: '' })
    expect(status('offline', 4)).toEqual({ connection: 'Offline', changes: '4 unsaved changes', note: '' })
    expect(status('connecting', 2)).toEqual({ connection: 'Connecting…', changes: '2 unsaved changes', note: '' })
    expect(status('offline', 0, 'token expired')).toEqual({ connection: 'Refused: token expired', changes: 'Saved', note: '' })
  })

  it('notes why the editor is read-only when the document holds content it cannot show', () => {
    expect(describeStatus({ connection: 'online', unsavedChanges: 0, isSaved: true, mode: 'read', unshownContent: 'node "bulletList"' }, english)).toEqual({
      connection: 'Online', changes: 'Saved',
      note: 'Read-only: this document holds content this editor cannot show (node "bulletList"); editing it here would delete that.',
    })
  })

  it('notes that the token grants reading only, and nothing when read mode is the page’s choice', () => {
    expect(describeStatus({ connection: 'online', unsavedChanges: 0, isSaved: true, mode: 'read', hasReadOnlyAccess: true }, english).note)
      .toBe('Read-only: your access to this document lets you read it, not change it.')
    expect(describeStatus({ connection: 'online', unsavedChanges: 0, isSaved: true, mode: 'read' }, english).note).toBe('')
  })
})
