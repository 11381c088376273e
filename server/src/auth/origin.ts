/**
 * The browser-origin allowlist. A page on any site can open a WebSocket to
 * any server, and the browser sends the page's origin with it; refusing
 * origins not on the list stops other sites from reaching documents
 * through a visitor's browser (cross-site WebSocket hijacking), which
 * matters most when access tokens are off. Clients that are not browsers
 * send no Origin header and are not affected.
 */

/** Parses a comma-separated list of origins like `https://app.example.com, http://localhost:5173`. */
export function parseOrigins(raw: string): string[] {
  return raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '').map((entry) => {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      throw new RangeError(`"${entry}" is not an origin like https://app.example.com`)
    }
    const hasMore = url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== ''
    if (url.origin === 'null' || hasMore) {
      throw new RangeError(`"${entry}" is not an origin like https://app.example.com (scheme, host and port only)`)
    }
    return url.origin
  })
}

/** Whether a WebSocket upgrade sent with this Origin header (none from clients that are not browsers) may connect. */
export type OriginCheck = (origin: string | undefined) => boolean

/** The check for the browser origins on `allowed`; an empty list allows any. */
export function originCheck(allowed: readonly string[]): OriginCheck {
  const origins = new Set(allowed)
  return (origin) => origins.size === 0 || origin === undefined || origins.has(normalize(origin))
}

// Browsers send the serialized origin already; this only forgives letter case in the host.
function normalize(origin: string): string {
  try {
    return new URL(origin).origin
  } catch {
    return origin
  }
}
