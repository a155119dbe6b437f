import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { DEFAULT_FIXTURE_PATH, checkFixture, loadFixtureFile } from '../../src/dataset/load.js'

describe('the app without fixtures given', () => {
  // createApp names the bundled file itself and skips the schema check (app.ts): this pins both.
  it('serves DEFAULT_FIXTURE_PATH, the file the loader validates', async () => {
    const app = await createApp()
    try {
      const file = await loadFixtureFile(DEFAULT_FIXTURE_PATH)
      const validated = checkFixture(file, DEFAULT_FIXTURE_PATH).dataset
      expect(app.dataset.stats).toStrictEqual(validated.stats)
      for (const { _id } of file.balances) expect(app.dataset.balance(_id)).toStrictEqual(validated.balance(_id))
    } finally {
      await app.close()
    }
  })
})
