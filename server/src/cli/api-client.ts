/**
 * The HTTP document API seen from the command line, for `--url`: each call
 * returns what the API returns, or fails with one line holding the
 * server's own message.
 */
import type { RoomSummary, WriteMode, WriteResult } from '../api/room-documents.js'
import type { ExportFormat, ImportFormat } from '../documents/formats.js'
import type { ListedVersion } from '../api/room-versions.js'
import { CommandFailure } from './command.js'

const importContentTypes: Record<ImportFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
}

export class ApiClient {
  constructor(private readonly target: { url: string; token?: string }) {}

  async list(): Promise<RoomSummary[]> {
    const rooms: RoomSummary[] = []
    let after: string | null = ''
    while (after !== null) {
      const page = await this.request(`/api/rooms?limit=1000&after=${encodeURIComponent(after)}`, {}) as { rooms: RoomSummary[]; next: string | null }
      rooms.push(...page.rooms)
      after = page.next
    }
    return rooms
  }

  async export(room: string, format: ExportFormat): Promise<Uint8Array> {
    const response = await this.fetch(`/api/rooms/${encodeURIComponent(room)}?format=${format}`, {})
    return new Uint8Array(await response.arrayBuffer())
  }

  async write(room: string, body: string, format: ImportFormat, mode: WriteMode): Promise<WriteResult> {
    return await this.request(`/api/rooms/${encodeURIComponent(room)}${mode === 'replace' ? '?mode=replace' : ''}`, {
      method: 'PUT', body, headers: { 'Content-Type': importContentTypes[format] },
    }) as WriteResult
  }

  /** Every version of the room, newest first. */
  async versions(room: string): Promise<ListedVersion[]> {
    const versions: ListedVersion[] = []
    let cursor: number | null = null
    do {
      const page = await this.request(`/api/rooms/${encodeURIComponent(room)}/versions?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`, {}) as {
        versions: ListedVersion[]; next: number | null
      }
      versions.push(...page.versions)
      cursor = page.next
    } while (cursor !== null)
    return versions
  }

  async exportVersion(room: string, id: number, format: ExportFormat): Promise<Uint8Array> {
    const response = await this.fetch(`/api/rooms/${encodeURIComponent(room)}/versions/${id}?format=${format}`, {})
    return new Uint8Array(await response.arrayBuffer())
  }

  async restore(room: string, id: number): Promise<{ changed: boolean; version: ListedVersion }> {
    return await this.request(`/api/rooms/${encodeURIComponent(room)}/versions/${id}/restore`, { method: 'POST' }) as {
      changed: boolean; version: ListedVersion
    }
  }

  async applyUpdate(room: string, update: Uint8Array): Promise<void> {
    await this.request(`/api/rooms/${encodeURIComponent(room)}/updates`, {
      method: 'POST', body: new Uint8Array(update), headers: { 'Content-Type': 'application/octet-stream' },
    })
  }

  private async request(path: string, init: RequestInit): Promise<unknown> {
    return (await this.fetch(path, init)).json()
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.target.token) headers.set('Authorization', `Bearer ${this.target.token}`)
    let response: Response
    try {
      response = await fetch(`${this.target.url}${path}`, { ...init, headers })
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message
      throw new CommandFailure(`cannot reach the server at ${this.target.url}: ${cause}`)
    }
    if (response.ok) return response
    let message = response.statusText
    try {
      message = ((await response.json()) as { message?: string }).message ?? message
    } catch {
      // Not one of our JSON errors (a proxy's page, say): the status text says enough.
    }
    throw new CommandFailure(`the server answered ${response.status}: ${message}`)
  }
}
