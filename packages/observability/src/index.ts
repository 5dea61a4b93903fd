export type { LatencySummary } from './histogram.js'
export { type LogFn, type Logger, type LoggerHookOptions, loggerHook } from './logger.js'
export {
  formatSnapshot,
  type MetricsCollector,
  type MetricsCollectorOptions,
  type MetricsSnapshot,
  metricsCollector,
  type OperationMetrics,
  type SummaryOptions,
} from './metrics.js'
export { subscribe } from './subscribe.js'
