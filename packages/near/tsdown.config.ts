import { defineBuild } from '@tagcache/build-config'
import { defineConfig } from 'tsdown'

export default defineConfig(defineBuild())
