import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests that start gateways or touch Redis use their own ports, dirs and key prefixes.
    pool: 'forks',
    // Removes the directories tests made with test/helpers/temp-dir.ts once each file is done.
    setupFiles: ['test/setup/remove-temp-dirs.ts'],
  },
})
