import { readFileSync } from 'node:fs'
import loaded from 'ioredis/package.json' with { type: 'json' }
import { expect, it } from 'vitest'

const ownPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

it('runs against the ioredis version its project names', () => {
  expect(process.env.IOREDIS_VERSION).toMatch(/^\d+\.\d+\.\d+$/)
  expect(loaded.version).toBe(process.env.IOREDIS_VERSION)
})

it('tests the lower bound of the peer range as the oldest, and the newest dev version', () => {
  const range: string = ownPackage.peerDependencies.ioredis
  const lowest = /^\^(\d+\.\d+\.\d+)/.exec(range)?.[1]
  expect(ownPackage.devDependencies['ioredis-oldest']).toBe(`npm:ioredis@${lowest}`)
  // The newest: the highest major of the range, pinned.
  const majors = range.split('||').map((part) => /\^(\d+)\./.exec(part.trim())?.[1])
  expect(ownPackage.devDependencies.ioredis.split('.')[0]).toBe(majors.at(-1))
})
