import type { TestProject } from 'vitest/node'
import { startEmulator } from 'okra-emulator'

// One emulator for the whole run; each test file talks to it with its own token (its own tenant).
export default async function setup (project: TestProject) {
  const emulator = await startEmulator({ clock: { mode: 'frozen', start: '2026-11-02T09:00:00Z' } })
  project.provide('okraEmulatorUrl', emulator.url)
  return async () => { await emulator.close() }
}

declare module 'vitest' {
  export interface ProvidedContext {
    okraEmulatorUrl: string
  }
}
