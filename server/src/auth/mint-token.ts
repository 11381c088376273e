/**
 * Signing an access token: what an app's login service does for each
 * user (with any JWT library), and what `ortak token` does for local use.
 */
import { SignJWT } from 'jose'
import type { TokenClaims } from './access-token.js'
import type { TokenKey } from './keys.js'

export interface TokenRequest extends TokenClaims {
  /** Lifetime in seconds from now. */
  expiresInSeconds: number
}

export async function mintToken(request: TokenRequest, signingKey: TokenKey, now = Date.now()): Promise<string> {
  const { expiresInSeconds, sub, ...claims } = request
  const issuedAt = Math.floor(now / 1000)
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: signingKey.algorithms[0]!, typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + expiresInSeconds)
    .sign(signingKey.key)
}
