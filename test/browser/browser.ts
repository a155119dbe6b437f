import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's headless Chromium (`apt-get install chromium-headless-shell`; .ci/run installs it). Playwright never downloads one. */
const CHROMIUM = '/usr/lib/chromium/chromium-headless-shell'

export async function launchChromium (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium-headless-shell`)
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}
