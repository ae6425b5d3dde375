#!/usr/bin/env node
// The package's CLI: TypeScript sources run through tsx's loader (no build step).
import { register } from 'tsx/esm/api'

register()
await import('../src/runtime/server/cli.ts')
