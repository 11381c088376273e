/**
 * Key material for access tokens: the shared HS256 secret, or a PEM key
 * pair whose public half the server holds and whose private half signs
 * tokens in the app's own login service. Each key is pinned to the
 * algorithms its type allows, so a token cannot choose a weaker one (no
 * `none`, no HS256 "signed" with the public key).
 */
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import fs from 'node:fs'

/** HS256 with a shorter secret can be brute-forced offline from one token. */
export const MIN_SECRET_LENGTH = 32

export interface TokenKey {
  key: KeyObject
  algorithms: string[]
}

export function secretKey(secret: string): TokenKey {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new RangeError(`the secret has ${secret.length} characters; use at least ${MIN_SECRET_LENGTH} (e.g. \`openssl rand -base64 32\`)`)
  }
  return { key: createSecretKey(Buffer.from(secret, 'utf8')), algorithms: ['HS256'] }
}

/** Reads PEM text, or the file it names when it is not PEM text itself. */
export function readPem(pemOrPath: string): string {
  if (pemOrPath.trimStart().startsWith('-----BEGIN')) return pemOrPath
  try {
    return fs.readFileSync(pemOrPath, 'utf8')
  } catch (error) {
    throw new RangeError(`expected PEM text or a readable PEM file; cannot read "${pemOrPath}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

export function publicKey(pem: string): TokenKey {
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch (error) {
    throw new RangeError(`not a PEM public key: ${(error as Error).message}`)
  }
  return { key, algorithms: algorithmsFor(key) }
}

export function privateKey(pem: string): TokenKey {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (error) {
    throw new RangeError(`not a PEM private key: ${(error as Error).message}`)
  }
  return { key, algorithms: algorithmsFor(key) }
}

function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512']
    case 'ed25519':
      return ['EdDSA', 'Ed25519']
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve
      if (curve === 'prime256v1') return ['ES256']
      if (curve === 'secp384r1') return ['ES384']
      if (curve === 'secp521r1') return ['ES512']
      throw new RangeError(`EC curve ${curve ?? 'unknown'} is not supported for tokens (use P-256, P-384 or P-521)`)
    }
    default:
      throw new RangeError(`${key.asymmetricKeyType ?? 'this'} key type is not supported for tokens (use RSA, EC or Ed25519)`)
  }
}
