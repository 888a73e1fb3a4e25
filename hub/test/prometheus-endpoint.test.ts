import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, podManifest } from './helpers/api-client.js';
import { type HubProcess, startHubProcess } from './helpers/hub-process.js';

const PEAPOD = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHubProcess({ entry: [PEAPOD, 'hub'], args: ['--mqtts-port', '0', '--wss-port', 'off'] });
});

afterAll(async () => {
  await hub?.cleanup();
});

/** The value of one sample line, e.g. `peapod_pods{phase="Running"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(): Promise<string> {
  const res = await api(hub, 'GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return res.text;
}

/** Sends one raw HTTP/1.1 request line over TLS and returns the status line of the answer. */
function rawStatusLine(target: string): Promise<string> {
  const { hostname, port } = new URL(hub.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: hub.caPem }, () => {
      socket.end(
        `GET ${target} HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer ${hub.token}\r\nConnection: close\r\n\r\n`,
      );
    });
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      text += d;
    });
    socket.on('end', () => resolve(text.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

describe('a request target that is no URL', () => {
  it('gets 400 Bad Request and the hub (and its request metrics) keep running', async () => {
    expect(await rawStatusLine('//[')).toBe('HTTP/1.1 400 Bad Request');
    expect((await api(hub, 'GET', '/version')).status).toBe(200);
    expect(sample(await scrape(), 'apiserver_request_total{verb="GET",resource="",subresource="",code="400"}')).toBe(1);
  });
});

describe('GET /metrics (Prometheus)', () => {
  it('needs the bearer token like the rest of the API', async () => {
    const res = await api(hub, 'GET', '/metrics', { token: '' });
    expect(res.status).toBe(401);
  });

  it('reports process figures, API requests by verb and code, and pods by phase', async () => {
    for (const name of ['metrics-a', 'metrics-b'])
      expect((await api(hub, 'POST', '/api/v1/namespaces/default/pods', { body: podManifest(name) })).status).toBe(201);
    expect((await api(hub, 'GET', '/api/v1/namespaces/default/pods/nope')).status).toBe(404);

    // No node has joined, so both pods stay unscheduled; the gauge follows a watch.
    let text = await scrape();
    for (let i = 0; i < 50 && sample(text, 'peapod_pods{phase="Unscheduled"}') !== 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    expect(sample(text, 'peapod_pods{phase="Unscheduled"}')).toBe(2);
    expect(sample(text, 'peapod_pods{phase="Running"}')).toBe(0);
    expect(sample(text, 'peapod_nodes{ready="True"}')).toBe(0);
    expect(sample(text, 'apiserver_request_total{verb="POST",resource="pods",subresource="",code="201"}')).toBe(2);
    expect(sample(text, 'apiserver_request_total{verb="GET",resource="pods",subresource="",code="404"}')).toBe(1);
    expect(sample(text, 'apiserver_request_duration_seconds_count{verb="POST",resource="pods",subresource=""}')).toBe(
      2,
    );
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'peapod_mqtt_connected_clients')).toBe(0);
    expect(text).toMatch(/^peapod_build_info\{version="[^"]+",node="v\d+\.\d+\.\d+"\} 1$/m);

    expect((await api(hub, 'DELETE', '/api/v1/namespaces/default/pods/metrics-a?gracePeriodSeconds=0')).status).toBe(
      200,
    );
    for (let i = 0; i < 50 && sample(text, 'peapod_pods{phase="Unscheduled"}') !== 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    expect(sample(text, 'peapod_pods{phase="Unscheduled"}')).toBe(1);
  });
});
