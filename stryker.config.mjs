export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  // dataset.ts is left out while it holds `(x as number)++`: Stryker 9.6's instrumenter prints it
  // without the parentheses, and the mutated file then fails to parse.
  mutate: ['src/core/**/*.ts', '!src/core/dataset.ts'],
  coverageAnalysis: 'perTest',
  // Two workers: the machines this runs on have two cores.
  concurrency: 2,
  // Reruns only mutants whose code or covering tests changed since the last run; `-- --force` runs all.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 85, break: null },
}
