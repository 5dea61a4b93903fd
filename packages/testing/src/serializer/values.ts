import { describe, expect, it } from 'vitest'
import type { SerializerSuiteContext } from './options.js'
import { MIB, pseudoRandomBytes, roundTrip, toPayload } from './payload.js'

/**
 * The `id`, and values every serializer must keep whatever its fidelity:
 * falsy and empty values, payloads read by a fresh instance, a `Buffer` as
 * well as a view, stable payloads, detached results, 10 MiB values.
 */
export function valueTests({ create, supports }: SerializerSuiteContext): void {
  describe('id', () => {
    it('is a non-empty printable ASCII string of at most 255 bytes', () => {
      const { id } = create()
      expect(typeof id).toBe('string')
      expect(id).toMatch(/^[\x20-\x7e]{1,255}$/)
    })

    it('is stable: the same for every instance, and unchanged by use', () => {
      const serializer = create()
      const before = serializer.id
      serializer.decode(toPayload(serializer.encode({ a: [1, 2, 3] })))
      expect(serializer.id).toBe(before)
      expect(create().id).toBe(before)
    })
  })

  describe('values', () => {
    it("falsy and empty values round-trip: '', 0, false, null, [], {}", () => {
      const serializer = create()
      for (const value of ['', 0, false, null, [], {}]) {
        expect(roundTrip(serializer, value)).toEqual(value)
      }
    })

    it('a payload decodes with a fresh instance (no state shared between encoder and decoder)', () => {
      const writer = create()
      const shapes = Array.from({ length: 200 }, (_, i) => ({
        [`k${i % 70}`]: i,
        id: i,
        tags: ['x'],
      }))
      const payloads = [
        writer.encode({ first: 1, list: shapes }),
        writer.encode({ id: 1, tags: ['x'] }),
        writer.encode({ list: shapes.slice(50) }),
      ].map(toPayload)
      const reader = create()
      expect(reader.decode(payloads[2]!)).toEqual({ list: shapes.slice(50) })
      expect(reader.decode(payloads[1]!)).toEqual({ id: 1, tags: ['x'] })
      expect(reader.decode(payloads[0]!)).toEqual({ first: 1, list: shapes })
    })

    it('decodes a Buffer as well as a Uint8Array view', () => {
      const serializer = create()
      const value = { id: 1, name: 'Ada', list: [1, 2, 3] }
      const payload = toPayload(serializer.encode(value))
      expect(serializer.decode(Buffer.from(payload))).toEqual(value)
      expect(serializer.decode(new Uint8Array(payload))).toEqual(value)
    })

    it('encoding the same value twice gives the same payload', () => {
      const serializer = create()
      const value = { id: 7, name: 'Ada', roles: ['admin', 'dev'], nested: { a: [1, 2] } }
      const first = toPayload(serializer.encode(value))
      serializer.encode({ something: 'else', id: 'different shape' })
      expect([...toPayload(serializer.encode(value))]).toEqual([...first])
    })

    it('each decode returns a new object, detached from the payload bytes', () => {
      const serializer = create()
      const payload = toPayload(serializer.encode({ list: [1, 2, 3] }))
      const a = serializer.decode(payload) as { list: number[] }
      const b = serializer.decode(payload) as { list: number[] }
      expect(a).not.toBe(b)
      a.list.push(4)
      expect(b.list).toEqual([1, 2, 3])
      if (supports('binary')) {
        const bytes = toPayload(serializer.encode({ data: Uint8Array.of(1, 2, 3) }))
        const decoded = serializer.decode(bytes) as { data: Uint8Array }
        bytes.fill(0)
        expect([...decoded.data], 'decoded binary does not alias the payload').toEqual([1, 2, 3])
      }
    })

    it('a 10 MiB string round-trips', () => {
      const serializer = create()
      const block = Array.from({ length: 1024 }, (_, i) =>
        String.fromCharCode(32 + ((i * 7) % 95)),
      ).join('')
      const value = `${block.repeat(10 * 1024 - 1)}${'ž🐎'.repeat(256)}`.slice(0, 10 * MIB)
      const decoded = roundTrip(serializer, value)
      expect(typeof decoded).toBe('string')
      expect((decoded as string).length).toBe(value.length)
      expect(decoded === value).toBe(true)
    })

    // Registered only where they apply: a skipped test means "could not run here".
    if (supports('binary')) {
      it('a 10 MiB Uint8Array round-trips', () => {
        const serializer = create()
        const value = pseudoRandomBytes(10 * MIB)
        const decoded = roundTrip(serializer, value)
        expect(decoded).toBeInstanceOf(Uint8Array)
        expect(Buffer.from(decoded as Uint8Array).equals(Buffer.from(value))).toBe(true)
      })
    }
  })
}
