import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // The README's examples import the package by name; inside this repository that is the source.
    alias: [
      { find: /^okra-emulator$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^okra-emulator\/vitest$/, replacement: fileURLToPath(new URL('./src/vitest.ts', import.meta.url)) },
    ],
  },
  test: {
    // Integration tests open real sockets; keep workers modest on the 2-core machines.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/readme/**', 'test/vitest-setup/**'] } },
      // The README's vitest set-up, as a user would have it: one emulator for the run, a reset per test.
      { extends: true, test: { name: 'readme', include: ['test/readme/**/*.test.ts'], globalSetup: ['test/readme/okra-emulator.setup.ts'] } },
      // okra-emulator/vitest, the package's own globalSetup.
      { extends: true, test: { name: 'vitest-setup', include: ['test/vitest-setup/**/*.test.ts'], globalSetup: ['src/vitest.ts'] } },
      // examples/: apps that integrate Okra, tested as their teams would, through okra-emulator/vitest.
      { extends: true, test: { name: 'examples', include: ['examples/**/*.test.ts'], globalSetup: ['src/vitest.ts'] } },
    ],
  },
})
