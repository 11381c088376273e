#!/usr/bin/env node
// The `ortak` command: the server compiled ahead of time (npm run build), run by node with no loader.
await import('../dist/ortak.js')
