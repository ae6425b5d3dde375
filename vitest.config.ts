import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests that start gateways or touch Redis use their own ports, dirs and key prefixes.
    pool: 'forks',
  },
})
