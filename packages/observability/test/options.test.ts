// Every factory's options go through core's validateOptions: one
// InvalidOptionsError (E_INVALID_OPTIONS) naming each bad path, factory first.
import { isTagCacheError } from '@tagcache/core'
import { describe, expect, it } from 'vitest'
import { type Logger, loggerHook, metricsCollector } from '../src/index.js'
import { openTelemetryHook } from '../src/opentelemetry.js'
import { prometheusExporter } from '../src/prometheus.js'

const logger: Logger = { error() {}, warn() {}, info() {}, debug() {} }

function thrown(fn: () => unknown): Error & { issues?: readonly string[] } {
  try {
    fn()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a throw')
}

describe('invalid options name the factory and the path', () => {
  it.each([
    [
      () => loggerHook(logger, { slowOperationMs: -1 }),
      'loggerHook.slowOperationMs: expected a number of milliseconds >= 0, got -1',
    ],
    [
      () => loggerHook(logger, { slowOperationMs: '50' as never }),
      'loggerHook.slowOperationMs: expected a number of milliseconds >= 0, got "50"',
    ],
    [
      () => loggerHook(logger, { slowOperationMs: Number.NaN }),
      'loggerHook.slowOperationMs: expected a number of milliseconds >= 0, got NaN',
    ],
    [
      () => loggerHook(logger, { keys: 'no' as never }),
      'loggerHook.keys: Invalid input: expected boolean, received string',
    ],
    [
      () => loggerHook(logger, { slowMs: 5 } as never),
      'loggerHook.slowMs: unknown option; expected one of operations, slowOperationMs, invalidations, keys',
    ],
    [
      () => loggerHook(logger, null as never),
      'loggerHook: Invalid input: expected object, received null',
    ],
    [
      () => openTelemetryHook({ dbSystem: 'redis' as never }),
      'openTelemetryHook.dbSystem: expected a function (storeName) => string | undefined',
    ],
    [
      () => openTelemetryHook({ tracer: {} as never }),
      "openTelemetryHook.tracer: expected an OpenTelemetry Tracer (trace.getTracer('app')) or false",
    ],
    [
      () => openTelemetryHook({ meter: true as never }),
      "openTelemetryHook.meter: expected an OpenTelemetry Meter (metrics.getMeter('app')) or false",
    ],
    [
      () => openTelemetryHook({ recordKeys: 1 as never }),
      'openTelemetryHook.recordKeys: Invalid input: expected boolean, received number',
    ],
    [
      () => prometheusExporter({ prefix: '1bad' }),
      'prometheusExporter.prefix: expected letters, digits, _ and : (not starting with a digit), got "1bad"',
    ],
    [
      () => prometheusExporter({ registry: {} as never }),
      "prometheusExporter.registry: expected a prom-client Registry (new Registry() or prom-client's register)",
    ],
    [
      () => prometheusExporter({ buckets: [0.1, '1' as never] }),
      'prometheusExporter.buckets.1: Invalid input: expected number, received string',
    ],
    ...[0, 1.5, -0.1, Number.NaN, 'no'].map((latency): [() => unknown, string] => [
      () => metricsCollector({ latency: latency as never }),
      `metricsCollector.latency: expected true, false or a fraction of calls between 0 and 1, got ${typeof latency === 'string' ? `"${latency}"` : latency}`,
    ]),
    [
      () => metricsCollector({ histogram: false } as never),
      'metricsCollector.histogram: unknown option; expected one of latency',
    ],
  ])('%#: %s', (make, issue) => {
    const error = thrown(make)
    expect(isTagCacheError(error, 'E_INVALID_OPTIONS')).toBe(true)
    expect(error.message).toBe(`[tagcache] [observability] invalid options:\n  - ${issue}`)
    expect(error.issues).toEqual([issue])
  })

  it('lists every bad option in one error', () => {
    const error = thrown(() =>
      loggerHook(logger, { slowOperationMs: -5, operations: 'yes' as never }),
    )
    expect(error.issues).toEqual([
      'loggerHook.operations: Invalid input: expected boolean, received string',
      'loggerHook.slowOperationMs: expected a number of milliseconds >= 0, got -5',
    ])
  })

  it('accepts valid options, and none', () => {
    expect(() => loggerHook(logger)).not.toThrow()
    expect(() =>
      loggerHook(logger, {
        slowOperationMs: 0,
        operations: true,
        invalidations: false,
        keys: false,
      }),
    ).not.toThrow()
    expect(() => openTelemetryHook({ tracer: false, meter: false, recordKeys: true })).not.toThrow()
    expect(() => openTelemetryHook({ dbSystem: () => undefined, activeSpans: false })).not.toThrow()
    for (const latency of [true, false, 0.01, 1]) {
      expect(metricsCollector({ latency }).latency).toBe(latency)
    }
    expect(metricsCollector().latency).toBe(true)
  })
})
