import { describe, expect, it } from 'vitest'
import { PeerTracker } from './peer-tracker.js'

describe('PeerTracker', () => {
  it('expires a peer not heard from for the timeout, once', () => {
    const peers = new PeerTracker(1_000)
    expect(peers.heard('a', 0)).toBe(true)
    expect(peers.heard('b', 500)).toBe(true)
    expect(peers.heard('a', 600)).toBe(false)
    expect(peers.expire(1_499)).toEqual([])
    expect(peers.expire(1_500)).toEqual(['b'])
    expect(peers.expire(1_600)).toEqual(['a'])
    expect(peers.expire(5_000)).toEqual([])
    expect(peers.alive).toEqual([])
  })

  it('forgets a peer that said goodbye', () => {
    const peers = new PeerTracker(1_000)
    peers.heard('a', 0)
    expect(peers.forget('a')).toBe(true)
    expect(peers.forget('a')).toBe(false)
    expect(peers.expire(10_000)).toEqual([])
  })

  it('gives every peer a full timeout again after our own outage', () => {
    const peers = new PeerTracker(1_000)
    peers.heard('a', 0)
    peers.heard('b', 100)
    peers.heardAllAt(5_000)
    expect(peers.expire(5_999)).toEqual([])
    expect(peers.expire(6_000).sort()).toEqual(['a', 'b'])
  })
})
