#!/usr/bin/env node
// The Node gateway (`npm start`), its TypeScript sources bundled as the CLI's are (bundle.js):
// less RSS than through tsx's loader; tsx is the fallback when bundling fails.
import { fileURLToPath } from 'node:url'
import { runBundled } from './bundle.js'

await runBundled(fileURLToPath(new URL('../src/runtime/node.ts', import.meta.url)))
