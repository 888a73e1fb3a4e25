import { readdirSync } from 'node:fs';
import type { MetricsRegistry } from './registry.js';

/** The usual process_* and nodejs_* metrics, read at scrape time, plus the Peapod version. */
export function registerProcessMetrics(registry: MetricsRegistry, version: string): void {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  registry.gauge('peapod_build_info', 'Peapod build that serves these metrics (value 1).', [], () => [
    { labels: { version, node: process.version }, value: 1 },
  ]);
  registry.counter('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.', [], () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  });
  registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [], () =>
    process.memoryUsage.rss(),
  );
  registry.gauge(
    'process_start_time_seconds',
    'Start time of the process since the Unix epoch, in seconds.',
    [],
    () => startSeconds,
  );
  registry.gauge('process_open_fds', 'Number of open file descriptors.', [], () => {
    try {
      return readdirSync('/proc/self/fd').length;
    } catch {
      return Number.NaN;
    }
  });
  registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', [], () => process.memoryUsage().heapUsed);
  registry.gauge(
    'nodejs_heap_size_total_bytes',
    'V8 heap allocated, in bytes.',
    [],
    () => process.memoryUsage().heapTotal,
  );
  registry.gauge(
    'nodejs_external_memory_bytes',
    'Memory of C++ objects bound to JavaScript, in bytes.',
    [],
    () => process.memoryUsage().external,
  );
}
