import { describe, expect, it } from 'vitest';
import { parseTarget } from '../src/http/routes.js';
import { requestLabels } from '../src/prometheus/api-metrics.js';
import { MetricsRegistry } from '../src/prometheus/registry.js';

describe('the Prometheus registry', () => {
  it('renders counters, gauges and collected values in the text format', () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter('requests_total', 'Requests.', ['code']);
    requests.inc({ code: '200' });
    requests.inc({ code: '200' }, 2);
    requests.inc({ code: '404' });
    registry.gauge('temperature', 'A "quoted"\nhelp \\ text.', [], () => 21.5);
    registry.gauge('by_state', 'States.', ['state'], () => [
      { labels: { state: 'a"b\\c\nd' }, value: 1 },
      { labels: { state: 'x' }, value: Number.POSITIVE_INFINITY },
    ]);
    expect(registry.render()).toBe(
      [
        '# HELP requests_total Requests.',
        '# TYPE requests_total counter',
        'requests_total{code="200"} 3',
        'requests_total{code="404"} 1',
        '# HELP temperature A "quoted"\\nhelp \\\\ text.',
        '# TYPE temperature gauge',
        'temperature 21.5',
        '# HELP by_state States.',
        '# TYPE by_state gauge',
        'by_state{state="a\\"b\\\\c\\nd"} 1',
        'by_state{state="x"} +Inf',
        '',
      ].join('\n'),
    );
  });

  it('renders cumulative histogram buckets with sum and count', () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram('latency_seconds', 'Latency.', ['verb'], [0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe({ verb: 'GET' }, v);
    expect(registry.render().split('\n').slice(2, 7)).toEqual([
      'latency_seconds_bucket{verb="GET",le="0.1"} 2',
      'latency_seconds_bucket{verb="GET",le="1"} 3',
      'latency_seconds_bucket{verb="GET",le="+Inf"} 4',
      'latency_seconds_sum{verb="GET"} 3.65',
      'latency_seconds_count{verb="GET"} 4',
    ]);
  });

  it('refuses bad names, duplicate metrics, wrong labels and counters going down', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('bad-name', 'x')).toThrow('invalid metric name');
    const c = registry.counter('c_total', 'x', ['a']);
    expect(() => registry.gauge('c_total', 'x')).toThrow('already registered');
    expect(() => c.inc({})).toThrow('label "a" is missing');
    expect(() => c.inc({ a: '1', b: '2' })).toThrow('unexpected label');
    expect(() => c.inc({ a: '1' }, -1)).toThrow('only goes up');
    expect(() => registry.histogram('h', 'x', [], [1, 1])).toThrow('buckets must increase');
    registry.remove('c_total');
    expect(registry.render()).toBe('\n');
  });
});

describe('API request labels (kube-apiserver verbs)', () => {
  const labels = (method: string, path: string) => requestLabels(method, parseTarget(path));

  it('tells GET, LIST and WATCH apart and names resource and subresource', () => {
    expect(labels('GET', '/api/v1/namespaces/default/pods/web')).toEqual({
      verb: 'GET',
      resource: 'pods',
      subresource: '',
    });
    expect(labels('GET', '/api/v1/pods')).toEqual({ verb: 'LIST', resource: 'pods', subresource: '' });
    expect(labels('GET', '/api/v1/namespaces/default/pods?watch=true').verb).toBe('WATCH');
    expect(labels('GET', '/api/v1/watch/namespaces/default/pods').verb).toBe('WATCH');
    expect(labels('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale')).toEqual({
      verb: 'PATCH',
      resource: 'deployments',
      subresource: 'scale',
    });
    expect(labels('DELETE', '/api/v1/namespaces/default/pods').verb).toBe('DELETECOLLECTION');
    expect(labels('GET', '/api/v1/namespaces/default/pods/web/exec?command=sh').verb).toBe('CONNECT');
    expect(labels('GET', '/version')).toEqual({ verb: 'GET', resource: '', subresource: '' });
  });
});
