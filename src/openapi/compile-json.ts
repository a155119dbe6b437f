/** Build step (`npm run build`): writes dist/openapi/openapi.json, so the built emulator starts without parsing YAML. */
import { writeCompiledOpenApi } from './load.js'

writeCompiledOpenApi()
