/**
 * Process entry of `npm run token`, which is `ortak token`. It stays only
 * while package.json's `token` script names this file; delete it once the
 * script runs `tsx server/src/cli/ortak.ts token`.
 */
process.argv.splice(2, 0, 'token')
await import('../cli/ortak.js')
