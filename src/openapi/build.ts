/**
 * Build step (`npm run build`, after tsc): writes dist/openapi/openapi.json, which lets the built
 * emulator start without parsing YAML (load.ts).
 */
import { writeCompiledOpenApi } from './load.js'

writeCompiledOpenApi()
