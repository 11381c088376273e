/**
 * What the editor may read from its access token without checking it: the
 * permission it grants. The server checks the signature; the editor only
 * needs to know in advance whether the token lets it write, so that a
 * `read` token opens the editor in read mode instead of being closed with
 * 4405 at the first keystroke.
 */
export type TokenPermission = 'read' | 'write'

/**
 * The `permission` claim of a JWT, or `undefined` when the token is not a
 * JWT the editor can read (the server will say what is wrong with it).
 */
export function tokenPermission(token: string): TokenPermission | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)))
    const { permission } = JSON.parse(json) as { permission?: unknown }
    return permission === 'read' || permission === 'write' ? permission : undefined
  } catch {
    return undefined
  }
}
