import { afterAll } from 'vitest'
import { removeTempDirs } from '../helpers/temp-dir.ts'

// Registered before the test file's own hooks, so (hooks run as a stack) it runs after them.
afterAll(removeTempDirs)
