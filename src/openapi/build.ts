/**
 * Build step (`npm run build`, after tsc): writes what lets the built emulator start without parsing
 * YAML or compiling schemas, dist/openapi/openapi.json and dist/openapi/precompiled/. The schemas
 * are recorded from the real app, so every route, under every prefix, gets the code it would compile.
 */
import { createApp } from '../app.js'
import { writeCompiledOpenApi } from './load.js'
import { PRECOMPILED_DIR, SchemaRecorder } from './precompiled.js'

writeCompiledOpenApi()
const recorder = new SchemaRecorder()
const app = await createApp({ compileSchemas: recorder })
await app.ready()
await app.close()
recorder.write(PRECOMPILED_DIR)
