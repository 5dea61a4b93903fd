// The local copy alone (no Redis): an entry serves only while each of its
// tags' version cells is live, and every way a tag version goes kills them.
import { lru } from '@tagcache/policies'
import { describe, expect, it } from 'vitest'
import { type LocalEntry, LocalMemory } from '../src/local-memory.js'

/**
 * Whether every cell of `entry` is live; the memory's own check, which skips
 * the walk while no cell died since its last one, must agree.
 */
const servable = (entry: LocalEntry | undefined): boolean => {
  if (entry === undefined) return false
  const walked = entry.cells.every((cell) => cell.live)
  expect(entry.owner.current(entry, 0)).toBe(walked)
  return walked
}

function memoryWith(maxKeys = 100) {
  const memory = new LocalMemory(lru({ maxSize: maxKeys }).local(), maxKeys, 1 << 20)
  const put = (id: string, tags: string[], versions: string[]) => {
    const since = memory.begin()
    memory.putEntry(id, Buffer.from('x'), tags, versions, Number.POSITIVE_INFINITY, since)
    memory.end()
    return memory.entry(id)
  }
  return { memory, put }
}

describe('LocalMemory: tag version cells', () => {
  it('entries sharing a tag share its cell; invalidating the tag stops all of them, and no other', () => {
    const { memory, put } = memoryWith()
    const a = put('a', ['t', 'u'], ['1', '1'])
    const b = put('b', ['t'], ['1'])
    const c = put('c', ['u'], ['1'])
    expect(a?.cells[0]).toBe(b?.cells[0])
    expect([a, b, c].map(servable)).toEqual([true, true, true])
    memory.invalidate('t')
    expect([a, b, c].map(servable)).toEqual([false, false, true])
    expect(memory.version('t')).toBeUndefined()
    expect(memory.version('u')).toBe('1')
  })

  it('a newer version read for a tag stops the entries written with the old one', () => {
    const { memory, put } = memoryWith()
    const old = put('old', ['t'], ['1'])
    expect(servable(old)).toBe(true)
    const since = memory.begin()
    memory.putVersion('t', '2', since)
    memory.end()
    expect(servable(old)).toBe(false)
    const fresh = put('fresh', ['t'], ['2'])
    expect(servable(fresh)).toBe(true)
    // The same version again keeps the cell.
    const again = memory.begin()
    memory.putVersion('t', '2', again)
    memory.end()
    expect(servable(fresh)).toBe(true)
  })

  it('an expired entry is not current, whatever its cells', () => {
    const { memory } = memoryWith()
    const since = memory.begin()
    memory.putEntry('k', Buffer.from('x'), ['t'], ['1'], 1_000, since)
    memory.end()
    const entry = memory.entry('k') as LocalEntry
    expect(memory.current(entry, 999)).toBe(true)
    expect(memory.current(entry, 1_000)).toBe(false)
  })

  it('an invalidation while a read is in flight keeps its reply out', () => {
    const { memory } = memoryWith()
    const since = memory.begin()
    memory.invalidate('t')
    memory.putEntry('k', Buffer.from('x'), ['t'], ['1'], Number.POSITIVE_INFINITY, since)
    memory.end()
    expect(memory.entry('k')).toBeUndefined()
  })

  it('flush and an evicted version (past 4 x maxKeys versions) stop the entries holding them', () => {
    const { memory, put } = memoryWith(250) // at most 1,000 versions
    const first = put('first', ['t0'], ['1'])
    const other = put('other', ['t1'], ['1'])
    expect([first, other].map(servable)).toEqual([true, true])
    for (let i = 2; i <= 1_000; i++) {
      const since = memory.begin()
      memory.putVersion(`t${i}`, '1', since)
      memory.end()
    }
    // The 1,001st version pushed out the oldest: t0.
    expect(memory.version('t0')).toBeUndefined()
    expect(servable(first)).toBe(false)
    expect(servable(other)).toBe(true)
    memory.flush()
    expect(servable(other)).toBe(false)
    expect(memory.entry('other')).toBeUndefined()
  })
})

describe('LocalMemory.entryOf: the entry remembered in a key record', () => {
  it('is the held entry; once it leaves (invalidated, replaced, flushed) the key is looked up again', () => {
    const { memory, put } = memoryWith()
    const record = { id: 'k', state: undefined as unknown }
    const first = put('k', ['t'], ['1'])
    expect(memory.entryOf('k', record)).toBe(first)
    expect(record.state).toBe(first)
    memory.invalidate('k')
    expect(memory.entryOf('k', record)).toBeUndefined()
    const second = put('k', ['t'], ['1'])
    expect(memory.entryOf('k', record)).toBe(second)
    const third = put('k', ['t'], ['1']) // a new read of the key replaces the copy
    expect(memory.entryOf('k', record)).toBe(third)
    memory.flush()
    expect(memory.entryOf('k', record)).toBeUndefined()
    // Another memory's entry in the record (a record is per key, not per store) is ignored.
    const other = memoryWith()
    other.put('k', ['t'], ['1'])
    expect(other.memory.entryOf('k', record)).toBe(other.memory.entry('k'))
    expect(memory.entryOf('k', record)).toBeUndefined()
  })
})

describe('LocalMemory: dropWhere (a cluster slot moved)', () => {
  it('drops the picked entries and tag versions only, and refuses replies of reads in flight', () => {
    const { memory, put } = memoryWith()
    const a = put('a', ['t'], ['1'])
    const b = put('b', ['moved-tag'], ['1'])
    put('moved-entry', ['t'], ['1'])
    const since = memory.begin()
    const dropped = memory.dropWhere((id) => id.startsWith('moved'))
    expect(dropped).toBe(1)
    expect(memory.entry('moved-entry')).toBeUndefined()
    expect(memory.version('moved-tag')).toBeUndefined()
    // `b` holds the moved tag's cell: it no longer serves. `a` does.
    expect([a, b].map(servable)).toEqual([true, false])
    expect(memory.entry('a')).toBe(a)
    expect(memory.version('t')).toBe('1')
    // A read begun before the drop is not kept, even of a key that did not move.
    memory.putEntry('c', Buffer.from('x'), ['t'], ['1'], Number.POSITIVE_INFINITY, since)
    memory.end()
    expect(memory.entry('c')).toBeUndefined()
    expect(memory.counters.flushes).toBe(0)
    expect(put('c', ['t'], ['1'])).toBeDefined()
  })
})
