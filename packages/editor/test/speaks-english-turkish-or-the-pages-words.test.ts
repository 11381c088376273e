/**
 * The editor's words come from one table per language: English and Turkish
 * ship, a page may pass some words of its own, and every message of every
 * shipped table has the same blanks to fill as the English one.
 */
import { describe, expect, it } from 'vitest'
import { english, fill, languageShown, messagesFor, shippedLanguages, turkish, type Messages } from '../src/messages.js'
import { describeStatus } from '../src/status.js'
import { readRemoteUser } from '../src/user.js'

const blanks = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort()

describe('messages', () => {
  it('ships English and Turkish, each message with the blanks of the English one', () => {
    expect(shippedLanguages).toEqual(['en', 'tr'])
    for (const [key, message] of Object.entries(turkish)) {
      expect(blanks(message), key).toEqual(blanks(english[key as keyof Messages]))
    }
    expect(Object.keys(turkish).sort()).toEqual(Object.keys(english).sort())
  })

  it('picks the table by primary language and falls back to English for a language that does not ship', () => {
    expect(messagesFor('tr')).toEqual(turkish)
    expect(messagesFor('tr-TR')).toEqual(turkish)
    expect(messagesFor('TR')).toEqual(turkish)
    expect(messagesFor('de')).toEqual(english)
    expect(messagesFor(undefined)).toEqual(english)
    expect(languageShown('tr-TR', undefined)).toBe('tr-TR')
    expect(languageShown('de', undefined)).toBe('en')
    expect(languageShown('de', { bold: 'Fett' })).toBe('de')
    expect(languageShown(undefined, undefined)).toBe('en')
  })

  it('takes a partial table from the page and the rest from the chosen language', () => {
    const german = messagesFor('de', { bold: 'Fett', saved: 'Gespeichert' })
    expect(german.bold).toBe('Fett')
    expect(german.italic).toBe('Italic')
    expect(describeStatus({ connection: 'online', unsavedChanges: 0, isSaved: true, mode: 'edit' }, german)).toEqual({ connection: 'Online', changes: 'Gespeichert', note: '' })
    expect(messagesFor('tr', { saved: 'Kayıtlı' })).toEqual({ ...turkish, saved: 'Kayıtlı' })
  })

  it('refuses a message it does not know or one that is not a string, naming it', () => {
    expect(() => messagesFor('en', { bolld: 'x' } as Partial<Messages>)).toThrow(new RangeError('messages has no message named "bolld"'))
    expect(() => messagesFor('en', { bold: 3 } as unknown as Partial<Messages>)).toThrow(new RangeError('messages.bold must be a string, got 3'))
  })

  it('says the status in Turkish', () => {
    expect(describeStatus({ connection: 'offline', unsavedChanges: 2, isSaved: false, mode: 'edit', refusal: '' }, turkish))
      .toEqual({ connection: 'Reddedildi: neden belirtilmedi', changes: '2 kaydedilmemiş değişiklik', note: '' })
    expect(describeStatus({ connection: 'connecting', unsavedChanges: 0, isSaved: true, mode: 'edit' }, turkish).connection).toBe('Bağlanıyor…')
  })

  it('names a collaborator who gave no name in the editor’s language', () => {
    expect(readRemoteUser({ color: '#c2255c' }, 1234, turkish.guest)).toEqual({ name: 'Misafir 234', color: '#c2255c' })
    expect(readRemoteUser({ name: ' ' }, 7, english.guest)).toEqual({ name: 'Guest 7', color: '#6b7280' })
  })

  it('fills blanks by name and leaves unknown ones as written', () => {
    expect(fill('{count} of {total}, {other}', { count: 2, total: 5 })).toBe('2 of 5, {other}')
  })
})
