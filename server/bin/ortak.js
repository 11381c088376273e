#!/usr/bin/env node
// The `ortak` command: the server compiled ahead of time (npm run build) into CommonJS, run by node with no
// loader, and compiled from V8's code cache when a previous start left one (see src/code-cache.ts).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
require('../dist/code-cache.cjs').useCodeCache()
require('../dist/ortak.cjs')
