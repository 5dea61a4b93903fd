import { defineBuild } from '@tagcache/build-config'
import { defineConfig } from 'tsdown'

export default defineConfig(
  defineBuild({ entry: ['src/index.ts', 'src/opentelemetry.ts', 'src/prometheus.ts'] }),
)
