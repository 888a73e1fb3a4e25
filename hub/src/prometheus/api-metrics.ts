import type { RequestTarget } from '../http/routes.js';
import type { Counter, Histogram, MetricsRegistry } from './registry.js';

/** Latency buckets of the Kubernetes API server's request histogram (seconds, trimmed). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60];

export type RequestLabels = {
  verb: string;
  resource: string;
  subresource: string;
};

/**
 * Kubernetes' verb names: GET of one object, LIST and WATCH of collections, DELETECOLLECTION,
 * CONNECT for exec; other methods as they are. Non-resource paths have an empty resource.
 */
export function requestLabels(method: string, target: RequestTarget | undefined): RequestLabels {
  if (target?.route.kind !== 'resource') return { verb: method, resource: '', subresource: '' };
  const { url, route } = target;
  const { type, name, subresource, legacyWatch } = route.target;
  const watch = legacyWatch || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  let verb = method;
  if (method === 'GET') verb = name === undefined ? (watch ? 'WATCH' : 'LIST') : watch ? 'WATCH' : 'GET';
  else if (method === 'DELETE' && name === undefined) verb = 'DELETECOLLECTION';
  if (subresource === 'exec') verb = 'CONNECT';
  return { verb, resource: type.plural, subresource: subresource ?? '' };
}

/** `apiserver_request_total` and `apiserver_request_duration_seconds`, as kube-apiserver names them. */
export class ApiRequestMetrics {
  private readonly total: Counter;
  private readonly duration: Histogram;

  constructor(registry: MetricsRegistry) {
    this.total = registry.counter(
      'apiserver_request_total',
      'API requests by verb, resource, subresource and HTTP status code.',
      ['verb', 'resource', 'subresource', 'code'],
    );
    this.duration = registry.histogram(
      'apiserver_request_duration_seconds',
      'API request latency in seconds (watches, exec and followed logs are not timed).',
      ['verb', 'resource', 'subresource'],
      BUCKETS,
    );
  }

  record(method: string, target: RequestTarget | undefined, status: number, seconds: number): void {
    const labels = requestLabels(method, target);
    this.total.inc({ ...labels, code: String(status) });
    const longRunning =
      labels.verb === 'WATCH' || labels.verb === 'CONNECT' || target?.url.searchParams.get('follow') === 'true';
    if (!longRunning) this.duration.observe(labels, seconds);
  }
}
