import { describe, expect, it } from 'vitest'
import { secretKey } from '../../../server/src/auth/keys.js'
import { mintToken } from '../../../server/src/auth/mint-token.js'
import { tokenPermission } from '../src/access-token.js'
import { contrastRatio, freeColor, labelTextColor, userColors } from '../src/user.js'

describe('tokenPermission', () => {
  const signed = (permission: 'read' | 'write') => mintToken(
    { sub: 'u1', name: 'Ada', room: 'notes', permission, expiresInSeconds: 60 },
    secretKey('a-secret-of-at-least-32-characters-long'),
  )

  it('reads the permission a token the server signed grants', async () => {
    expect(tokenPermission(await signed('read'))).toBe('read')
    expect(tokenPermission(await signed('write'))).toBe('write')
  })

  it('knows nothing of what is not a JWT with Ortak claims, and leaves it to the server', () => {
    const payload = (claims: unknown) => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`
    expect(tokenPermission('opaque-session-token')).toBeUndefined()
    expect(tokenPermission('a.%%%.b')).toBeUndefined()
    expect(tokenPermission(payload({ permission: 'admin' }))).toBeUndefined()
    expect(tokenPermission(payload(['read']))).toBeUndefined()
    expect(tokenPermission(payload({ permission: 'read', name: 'Çiğdem' }))).toBe('read')
  })
})

describe('freeColor', () => {
  it('keeps the preferred colour when nobody wears it, and otherwise picks one nobody wears', () => {
    expect(freeColor([userColors[1]!], userColors[0])).toBe(userColors[0])
    const taken = userColors.slice(0, -1)
    expect(freeColor(taken, userColors[0])).toBe(userColors[userColors.length - 1])
    expect(freeColor(taken.map((c) => c.toUpperCase()), userColors[0])).toBe(userColors[userColors.length - 1])
  })

  it('picks among the least worn when every colour is taken, and ignores colours not of the palette', () => {
    const everyOnceAndTheFirstTwice = [...userColors, userColors[0]!, '#000000']
    for (let i = 0; i < 20; i++) expect(freeColor(everyOnceAndTheFirstTwice, userColors[0], () => i / 20)).not.toBe(userColors[0])
  })
})

describe('labelTextColor', () => {
  it('writes a caret label legibly (WCAG AA, 4.5:1) on every palette colour and on any colour a client announces', () => {
    const announced = ['#ffffff', '#000000', '#ffff00', '#00ff00', '#808080', '#767676', '#e67700', '#5c940d', '#ff0000', '#0000ff', '#6b7280']
    for (const background of [...userColors, ...announced]) {
      expect(contrastRatio(background, labelTextColor(background)), background).toBeGreaterThanOrEqual(4.5)
    }
    expect(labelTextColor('#ffff00')).toBe('#000000')
    expect(labelTextColor('#1971c2')).toBe('#ffffff')
  })

  it('measures contrast as WCAG does', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5)
    expect(contrastRatio('#777777', '#777777')).toBe(1)
    // WCAG's own example: #767676 on white is the lightest grey at 4.5:1.
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2)
  })
})
