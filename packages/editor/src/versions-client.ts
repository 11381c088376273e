/**
 * The editor's side of the server's version history API
 * (`/api/rooms/:room/versions`, README "History"): list, read, save, restore.
 * The API lives on the same server as the rooms' WebSocket endpoint, so its
 * address is derived from the editor's `url`; the room's token goes along as
 * a bearer token, as the socket sends it as a parameter.
 */
import type { DocumentJSON } from './content-out.js'

/** Someone whose changes a version holds, or who saved it. */
export interface VersionAuthor {
  id: string | null
  name: string
  /** False when the name is what the client showed, not what a token says. */
  verified: boolean
}

/** A version as the server lists it: the fields the editor reads (README "History" lists them all). */
export interface Version {
  id: number
  kind: 'auto' | 'named' | 'restore'
  /** ISO 8601. */
  createdAt: string
  /** A named version's name, or "restored from ..."; null for an automatic one. */
  name: string | null
  authors: VersionAuthor[]
  /** Each Yjs client id whose insertions the version holds, with the index of its author in `authors`. */
  clients: Record<string, number>
}

export interface VersionPage {
  /** Newest first. */
  versions: Version[]
  /** The cursor of the next (older) page; null on the last. */
  next: number | null
}

/** A request the server refused or could not answer; `message` is the server's, or says what failed. */
export class VersionsRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

/** The API's address for `room`'s versions, from the rooms' WebSocket URL (`ws://host/ws` -> `http://host/api/...`). */
export function versionsUrl(webSocketUrl: string, room: string): string {
  const url = new URL(webSocketUrl)
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:'
  // The socket's path ends in /ws (rooms are /ws/<room>); whatever is before it is where the server is mounted.
  const mount = url.pathname.replace(/\/ws\/?$/, '').replace(/\/+$/, '')
  return `${url.origin}${mount}/api/rooms/${encodeURIComponent(room)}/versions`
}

export interface VersionsClientOptions {
  /** The token the editor holds now, if any. */
  token: () => string | undefined
  /** Asks for a fresh token after the server refused one (401); absent when the page gave a fixed token. */
  renewToken?: () => Promise<void>
  fetch?: typeof fetch
}

export class VersionsClient {
  private readonly fetch: typeof fetch

  constructor(private readonly base: string, private readonly options: VersionsClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  async list(limit: number, cursor?: number): Promise<VersionPage> {
    const query = new URLSearchParams({ limit: String(limit) })
    if (cursor !== undefined) query.set('cursor', String(cursor))
    return (await this.request(`?${query}`)).json() as Promise<VersionPage>
  }

  /** The version recorded just before `id`, or null for the first. */
  async previous(id: number): Promise<Version | null> {
    return (await this.list(1, id)).versions[0] ?? null
  }

  /**
   * Version `id` as one Yjs update (v1) holding every change up to it,
   * deleted content included; given `since`, an earlier version, only the
   * changes from that version to this one.
   */
  async update(id: number, since?: number): Promise<Uint8Array> {
    return new Uint8Array(await (await this.request(`/${id}?format=yjs${since === undefined ? '' : `&since=${since}`}`)).arrayBuffer())
  }

  /** Version `id` as ProseMirror JSON. */
  async content(id: number): Promise<DocumentJSON> {
    return (await this.request(`/${id}?format=json`)).json() as Promise<DocumentJSON>
  }

  /** Records the document as it is now on the server as a version called `name`. */
  async save(name: string): Promise<Version> {
    const answer = await this.request('', { method: 'POST', body: JSON.stringify({ name }), headers: { 'Content-Type': 'application/json' } })
    return ((await answer.json()) as { version: Version }).version
  }

  /**
   * Asks the server to make the document equal to version `id` and record
   * that as a version; `changed` is false when it was equal already.
   */
  async restore(id: number): Promise<{ version: Version; changed: boolean }> {
    return (await this.request(`/${id}/restore`, { method: 'POST' })).json() as Promise<{ version: Version; changed: boolean }>
  }

  private async request(path: string, init: RequestInit = {}, isRetry = false): Promise<Response> {
    const token = this.options.token()
    const headers = new Headers(init.headers)
    if (token !== undefined) headers.set('Authorization', `Bearer ${token}`)
    let response: Response
    try {
      response = await this.fetch(this.base + path, { ...init, headers })
    } catch (error) {
      throw new VersionsRequestError(0, `the server could not be reached (${(error as Error).message})`)
    }
    if (response.status === 401 && !isRetry && this.options.renewToken) {
      await this.options.renewToken()
      return this.request(path, init, true)
    }
    if (!response.ok) throw new VersionsRequestError(response.status, await errorMessage(response))
    return response
  }
}

/** The API answers every refusal `{ "status", "message" }`; anything else (a proxy's page) is named by its status. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message
    if (typeof message === 'string' && message !== '') return message
  } catch {
    // Not the API's JSON: fall through to the status.
  }
  return `HTTP ${response.status} ${response.statusText}`.trim()
}
