/**
 * A bounds-checked reader over one binary frame. lib0's decoder trusts its
 * input; this one refuses to read past the end, refuses integers beyond
 * 2^53 (but for `looseVarUint`), and lets callers check a count against the
 * bytes that remain, so every loop driven by client data is bounded by the
 * frame's length.
 */
import { isUtf8 } from 'node:buffer'

export class MalformedFrame extends Error {}

const textDecoder = new TextDecoder('utf-8', { fatal: true })

export class FrameReader {
  pos = 0
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.pos
  }

  uint8(): number {
    if (this.pos >= this.bytes.length) throw new MalformedFrame('unexpected end of frame')
    return this.bytes[this.pos++]!
  }

  varUint(): number {
    let value = 0
    let multiplier = 1
    for (let shift = 0; shift < 56; shift += 7) {
      const byte = this.uint8()
      value += (byte & 0x7f) * multiplier
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) break
        return value
      }
      multiplier *= 128
    }
    throw new MalformedFrame('integer out of range')
  }

  /**
   * A varUint exactly as far as lib0's `readVarUint` takes it: past 2^53 it
   * comes back rounded instead of refused, and it is refused only where lib0
   * would throw (a continuation byte after the value passed 2^53) or past ten
   * bytes. For clocks Yjs itself may have summed past 2^53 in a document
   * stored before clocks were bounded: refusing those would lock out every
   * client holding that document, and whatever is accepted here, Yjs reads.
   */
  looseVarUint(): number {
    let value = 0
    let multiplier = 1
    for (let i = 0; i < 10; i++) {
      const byte = this.uint8()
      value += (byte & 0x7f) * multiplier
      if (byte < 0x80) return value
      if (value > Number.MAX_SAFE_INTEGER) break
      multiplier *= 128
    }
    throw new MalformedFrame('integer out of range')
  }

  /** lib0's signed varint: the first byte carries a sign bit and 6 value bits. */
  varInt(): void {
    let byte = this.uint8()
    for (let i = 0; byte >= 0x80; i++) {
      if (i > 8) throw new MalformedFrame('integer out of range')
      byte = this.uint8()
    }
  }

  /** A count of items that each take at least `minBytesEach` bytes: refuse counts the frame cannot hold. */
  count(minBytesEach = 1): number {
    const n = this.varUint()
    if (n * minBytesEach > this.remaining) throw new MalformedFrame(`count ${n} exceeds the ${this.remaining} bytes left`)
    return n
  }

  fixed(length: number): Uint8Array {
    if (length > this.remaining) throw new MalformedFrame(`length ${length} exceeds the ${this.remaining} bytes left`)
    const view = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return view
  }

  varBytes(): Uint8Array {
    return this.fixed(this.varUint())
  }

  varString(): string {
    try {
      return textDecoder.decode(this.varBytes())
    } catch (error) {
      if (error instanceof MalformedFrame) throw error
      throw new MalformedFrame('string is not valid UTF-8')
    }
  }

  /**
   * Checks a varString's bytes for valid UTF-8 without decoding them and
   * returns its length in bytes. Validating every string of every update by
   * decoding it allocated a string (and a view) per string on the server's
   * busiest path; ASCII, the common case, is checked byte by byte instead.
   */
  varUtf8Length(): number {
    return this.utf8String(false)
  }

  /** As varUtf8Length, but returns the string's length in UTF-16 code units: what Yjs counts a string item's clocks in. */
  varUtf16Length(): number {
    return this.utf8String(true)
  }

  private utf8String(isCountingUtf16: boolean): number {
    const length = this.varUint()
    if (length > this.remaining) throw new MalformedFrame(`length ${length} exceeds the ${this.remaining} bytes left`)
    const end = this.pos + length
    let at = this.pos
    while (at < end && this.bytes[at]! < 0x80) at++
    let shortfall = 0
    if (at < end) {
      // Everything before `at` is ASCII, so a character cannot begin before it.
      if (!isUtf8(this.bytes.subarray(at, end))) throw new MalformedFrame('string is not valid UTF-8')
      if (isCountingUtf16) shortfall = this.utf16Shortfall(at, end)
    }
    this.pos = end
    return length - shortfall
  }

  /**
   * How many fewer UTF-16 code units than bytes the valid UTF-8 in [at, end)
   * makes, stepping a character at a time: a two-byte character is one code
   * unit, a three-byte one too, a four-byte one a surrogate pair.
   */
  private utf16Shortfall(at: number, end: number): number {
    const bytes = this.bytes
    let shortfall = 0
    while (at < end) {
      const byte = bytes[at]!
      if (byte < 0x80) at += 1
      else if (byte < 0xe0) {
        at += 2
        shortfall += 1
      } else {
        at += byte < 0xf0 ? 3 : 4
        shortfall += 2
      }
    }
    return shortfall
  }

  expectEnd(what: string): void {
    if (this.remaining !== 0) throw new MalformedFrame(`${this.remaining} unexpected bytes after the ${what}`)
  }
}
