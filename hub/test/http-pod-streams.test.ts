import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type HubHandle, startHub } from '../src/hub.js';
import { api, podManifest } from './helpers/api-client.js';
import { LocalNodeProxy } from './helpers/local-node-proxy.js';

/**
 * pods/log and pods/exec through the hub's HTTP relay, driven by the real kubectl and a raw
 * WebSocket client; the node side is LocalNodeProxy (local processes), the agent relay itself is
 * tested with the MQTT bridge.
 */

const PODS = '/api/v1/namespaces/default/pods';
let hub: HubHandle;
let dataDir: string;
let proxy: LocalNodeProxy;
const conn = () => ({ url: hub.url, token: hub.token, caPem: hub.caPem });

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--cache-dir', join(dataDir, 'kcache'), ...args],
      { env: { ...process.env, KUBECONFIG: hub.kubeconfigPath }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peapod-hub-streams-'));
  hub = await startHub({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  proxy = new LocalNodeProxy('line one\nline two\nline three\n');
  hub.hubContext.nodeProxy = proxy;
  for (const [name, ready] of [
    ['edge-1', 'True'],
    ['edge-gone', 'Unknown'],
  ]) {
    await api(conn(), 'POST', '/api/v1/nodes', {
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name },
        status: { conditions: [{ type: 'Ready', status: ready }] },
      },
    });
  }
  const pod = podManifest('runner');
  pod.spec.containers.push({ name: 'side', image: 'localhost/edge-test/busybox:1' });
  await api(conn(), 'POST', PODS, { body: pod });
  await api(conn(), 'POST', `${PODS}/runner/binding`, {
    body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'runner' }, target: { kind: 'Node', name: 'edge-1' } },
  });
  await api(conn(), 'PATCH', `${PODS}/runner/status`, {
    body: { status: { phase: 'Running' } },
    contentType: 'application/merge-patch+json',
  });
});

afterAll(async () => {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pods/log', () => {
  it('relays logs with the query options (kubectl logs --tail)', async () => {
    const res = await kubectl(['logs', 'runner', '-c', 'app', '--tail=2']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('line two\nline three\n');
    expect(proxy.logRequests.at(-1)).toMatchObject({
      nodeName: 'edge-1',
      pod: { namespace: 'default', name: 'runner' },
      request: { container: 'app', tailLines: 2, follow: false },
    });
  });

  it('asks for a container when the pod has several', async () => {
    const res = await api(conn(), 'GET', `${PODS}/runner/log`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('a container name must be specified for pod runner, choose one of: [app side]');
    const wrong = await api(conn(), 'GET', `${PODS}/runner/log?container=nope`);
    expect(wrong.body.message).toBe('container nope is not valid for pod runner');
  });

  it('streams with follow until the client leaves', async () => {
    let child: ChildProcess | undefined;
    try {
      child = spawn('kubectl', ['--cache-dir', join(dataDir, 'kcache'), 'logs', '-f', 'runner', '-c', 'app'], {
        env: { ...process.env, KUBECONFIG: hub.kubeconfigPath },
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no follow output: ${out}`)), 20_000);
        child?.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('following\n')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect(out).toBe('line one\nline two\nline three\nfollowing\n');
      expect(child.exitCode).toBeNull();
      expect(proxy.logRequests.at(-1)?.request.follow).toBe(true);
    } finally {
      if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    }
  });
});

describe('metrics.k8s.io (kubectl top)', () => {
  it('serves node usage from the usage annotation and pod usage from the nodes', async () => {
    await api(conn(), 'PATCH', '/api/v1/nodes/edge-1', {
      body: {
        metadata: {
          annotations: {
            'peapod.io/usage': JSON.stringify({ cpu: '250m', memory: '512Mi', at: '2026-01-01T00:00:00Z' }),
          },
        },
      },
      contentType: 'application/merge-patch+json',
    });
    await api(conn(), 'PATCH', '/api/v1/nodes/edge-1/status', {
      body: {
        status: {
          capacity: { cpu: '4', memory: '4Gi', pods: '110' },
          allocatable: { cpu: '4', memory: '4Gi', pods: '110' },
        },
      },
      contentType: 'application/merge-patch+json',
    });
    proxy.metrics.set('edge-1', [
      {
        namespace: 'default',
        name: 'runner',
        containers: [
          { name: 'app', cpuMilli: 12, memoryBytes: 10 * 1024 * 1024 },
          { name: 'side', cpuMilli: 3, memoryBytes: 2 * 1024 * 1024 },
        ],
      },
    ]);
    const nodes = await kubectl(['top', 'nodes']);
    expect(nodes.code).toBe(0);
    expect(nodes.stdout).toMatch(/edge-1\s+250m\s+6%\s+512Mi\s+12%/);
    const pods = await kubectl(['top', 'pods']);
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/runner\s+15m\s+12Mi/);
    const containers = await kubectl(['top', 'pod', 'runner', '--containers']);
    expect(containers.stdout).toMatch(/runner\s+app\s+12m\s+10Mi/);
  });

  it('asks a Ready node for its usage now, and shows what it posted when it does not answer', async () => {
    const ready = { type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:00Z' };
    await api(conn(), 'PATCH', '/api/v1/nodes/edge-1/status', {
      body: { status: { conditions: [ready] } },
      contentType: 'application/merge-patch+json',
    });
    proxy.usage.set('edge-1', { cpuMilli: 1000, memoryBytes: 1024 * 1024 * 1024 });
    const fresh = await kubectl(['top', 'nodes']);
    expect(fresh.stdout).toMatch(/edge-1\s+1000m\s+25%\s+1024Mi\s+25%/);
    const metrics = await api(conn(), 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/edge-1');
    expect(Date.now() - Date.parse(metrics.body.timestamp)).toBeLessThan(60_000);

    proxy.usage.delete('edge-1');
    const posted = await kubectl(['top', 'nodes']);
    expect(posted.stdout).toMatch(/edge-1\s+250m\s+6%\s+512Mi\s+12%/);
  });
});

describe('offline nodes', () => {
  it('answers logs and exec for a pod on an offline node with 503 ServiceUnavailable', async () => {
    await api(conn(), 'POST', PODS, { body: podManifest('stranded') });
    await api(conn(), 'POST', `${PODS}/stranded/binding`, {
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'stranded' },
        target: { kind: 'Node', name: 'edge-gone' },
      },
    });
    const logs = await api(conn(), 'GET', `${PODS}/stranded/log?container=app`);
    expect(logs.status).toBe(503);
    expect(logs.body).toMatchObject({
      reason: 'ServiceUnavailable',
      message: 'logs unavailable: node "edge-gone" is offline (its heartbeats stopped)',
    });
    const exec = await kubectl(['exec', 'stranded', '--', 'true']);
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain('exec unavailable: node "edge-gone" is offline');
  });
});

describe('pods/exec', () => {
  it('runs kubectl exec with stdout, stderr and the exit code', async () => {
    const res = await kubectl(['exec', 'runner', '-c', 'app', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(res.stdout).toBe('out\n');
    expect(res.stderr).toContain('err\n');
    expect(res.stderr).toContain('command terminated with exit code 3');
    expect(res.code).toBe(3);
    expect(proxy.execRequests.at(-1)?.request).toEqual({
      container: 'app',
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      stdin: false,
      tty: false,
    });
  });

  it('relays stdin and its end (kubectl exec -i)', async () => {
    const res = await kubectl(['exec', '-i', 'runner', '-c', 'app', '--', 'sh', '-c', 'tr a-z A-Z'], 'hello hub\n');
    expect([res.code, res.stdout]).toEqual([0, 'HELLO HUB\n']);
  });

  it('speaks v4.channel.k8s.io too, with resize frames', async () => {
    const url = `${hub.url.replace('https', 'wss')}${PODS}/runner/exec?container=app&command=cat&stdin=true&stdout=true&stderr=true`;
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], {
      ca: hub.caPem,
      headers: { authorization: `Bearer ${hub.token}` },
    });
    const frames: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    ws.on('message', (data: Buffer) => {
      frames.push(data);
      // v4 has no close-stdin frame: end the session by closing once the echo came back.
      if (data[0] === 1 && data.subarray(1).toString() === 'ping\n') ws.close();
    });
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":120,"Height":40}')]));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping\n')]));
    await closed;
    expect(frames.some((f) => f[0] === 1 && f.subarray(1).toString() === 'ping\n')).toBe(true);
    expect(proxy.resizes).toContainEqual([120, 40]);
  });

  it('refuses exec without a token, and SPDY-only clients with a clear Status', async () => {
    const path = `${PODS}/runner/exec?container=app&command=true&stdout=true`;
    const noAuth = new WebSocket(`${hub.url.replace('https', 'wss')}${path}`, ['v5.channel.k8s.io'], { ca: hub.caPem });
    const status = await new Promise<number>((resolve) => {
      noAuth.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      noAuth.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
    const spdy = await api(conn(), 'POST', path, { headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' } });
    expect(spdy.status).toBe(400);
    expect(spdy.body.message).toContain('only over WebSocket');
  });
});
