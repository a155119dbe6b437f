import neostandard from 'neostandard'

// src/wire/openapi.ts is openapi-typescript's output (`npm run gen:types`), checked against openapi.yaml by `npm test`.
export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/wire/openapi.ts', '.stryker-tmp/**', 'reports/**'] }),
]
