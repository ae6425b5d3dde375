// Worker thread entry: TypeScript sources load through tsx's loader (no build step), as in bin/txgate.js.
import { register } from 'tsx/esm/api'

register()
await import('./worker-main.ts')
