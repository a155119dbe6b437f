import { defineConfig } from 'vitest/config'

/**
 * The core's unit tests alone, for `npm run mutate`: Stryker reruns them once per mutant, so the
 * integration tests (sockets, seconds each) stay out; they would multiply the run time for mutants
 * the unit tests already cover.
 */
export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts'],
  },
})
