#!/usr/bin/env node
// The `ortak` command. The server is TypeScript, run through tsx as `npm start` does.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/ortak.ts')
