/**
 * Offline autonomy end to end (issue 8, docs/offline.md) with real processes: a real hub process
 * (`peapod hub`: API, MQTT broker, scheduler, controllers), a real agent process (podman) that
 * reaches the broker through a TCP relay the test cuts (a partition: keepalive and Last Will notice
 * it, no process dies), and real containers. Needs `npx tsc -b` first.
 *
 * One story, in order: partition → pods keep running, a crash is restarted, a Deployment deleted
 * meanwhile goes away on reconnect, healthy pods are not restarted; then the hub is stopped, the
 * agent is killed -9 and the "device reboots" (its containers are stopped) → the agent brings the
 * cached pods back without the hub; the hub returns → no duplicates, nothing restarted again.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../hub/test/helpers/api-client.js';
import { type HubProcess, startHubProcess } from '../../hub/test/helpers/hub-process.js';
import { startTcpRelay, type TcpRelay } from '../../test-e2e/helpers/tcp-relay.js';
import { ClusterIpRules } from '../src/services/cluster-ip-rules.js';

const CONTAINERS_CONF = fileURLToPath(new URL('../../ci/containers.conf', import.meta.url));
const AGENT_MAIN = fileURLToPath(new URL('./fixtures/agent-main.mjs', import.meta.url));
const PEAPOD = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const NODE = `offline-${randomBytes(3).toString('hex')}`;
const agentDir = mkdtempSync(join(tmpdir(), 'peapod-offline-agent-'));

let hub: HubProcess;
let relay: TcpRelay;
let agent: ChildProcess | undefined;
let agentLog = '';
let token = '';

// biome-ignore lint/suspicious/noExplicitAny: API objects are inspected freely
type Obj = any;

function podman(args: string[]): string {
  return execFileSync('podman', args, { env: { ...process.env, CONTAINERS_CONF }, encoding: 'utf8' });
}

/** Running app containers of a pod on this node: name → container id. */
function runningContainers(podName: string): Map<string, string> {
  const out = podman([
    'ps',
    '--filter',
    `label=io.peapod.node=${NODE}`,
    '--filter',
    `label=io.peapod.pod.name=${podName}`,
    '--filter',
    'label=io.peapod.container.kind=app',
    '--format',
    '{{.ID}} {{index .Labels "io.peapod.container.name"}}',
    '--no-trunc',
  ]);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [id, name] = l.split(' ');
        return [name, id];
      }),
  );
}

function peapod(args: string[]): string {
  return execFileSync(process.execPath, [PEAPOD, ...args], {
    env: { ...process.env, KUBECONFIG: hub.kubeconfigPath },
    encoding: 'utf8',
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function eventually<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\nagent: ${agentLog.slice(-3000)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function get(path: string): Promise<Obj | undefined> {
  const r = await api(hub, 'GET', path);
  return r.status === 200 ? r.body : undefined;
}

const pod = (name: string) => get(`/api/v1/namespaces/default/pods/${name}`);
const nodeObj = () => get(`/api/v1/nodes/${NODE}`);
const ready = (n: Obj) => n?.status?.conditions?.find((c: Obj) => c.type === 'Ready')?.status;
const nodePods = async (): Promise<Obj[]> =>
  (await get(`/api/v1/pods?fieldSelector=spec.nodeName=${NODE}`))?.items ?? [];

function startAgentProcess(): Promise<ChildProcess> {
  agentLog = '';
  const child = spawn(
    process.execPath,
    [
      AGENT_MAIN,
      '--hub',
      `mqtts://127.0.0.1:${relay.port}`,
      '--token',
      token,
      '--name',
      NODE,
      '--data-dir',
      agentDir,
      '--profile',
      'generic-amd64',
      '--heartbeat-interval',
      '2s',
      '--keepalive',
      '2s',
      '--containers-conf',
      CONTAINERS_CONF,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    agentLog += d;
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('agent-ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`agent exited ${code}: ${agentLog.slice(-2000)}`)));
  });
}

function bareSleeper(name: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'main', image: 'localhost/edge-test/busybox:1', imagePullPolicy: 'Never', command: ['sleep', '3600'] },
      ],
    },
  };
}

const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': NODE },
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'localhost/edge-test/busybox:1',
            imagePullPolicy: 'Never',
            command: ['sleep', '3600'],
          },
        ],
      },
    },
  },
};

/** Not pinned, and tolerating an unreachable node for 2 s only: evicted and replaced during the partition. */
const EVICTEE = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'evictee', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'evictee' } },
    template: {
      metadata: { labels: { app: 'evictee' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        tolerations: ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({
          key,
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 2,
        })),
        containers: [
          {
            name: 'main',
            image: 'localhost/edge-test/busybox:1',
            imagePullPolicy: 'Never',
            command: ['sleep', '3600'],
          },
        ],
      },
    },
  },
};

beforeAll(async () => {
  const mqttPort = await freePort();
  hub = await startHubProcess({
    entry: [PEAPOD, 'hub'],
    args: ['--mqtts-port', String(mqttPort), '--wss-port', 'off'],
  });
  token = readFileSync(join(hub.dataDir, 'join-token'), 'utf8').trim();
  relay = await startTcpRelay({ port: mqttPort });
  agent = await startAgentProcess();
  await eventually(async () => ready(await nodeObj()) === 'True', 'node Ready', 90_000);
}, 180_000);

afterAll(async () => {
  if (agent?.pid && agent.exitCode === null && agent.signalCode === null) {
    const exited = new Promise((r) => agent!.once('exit', r));
    process.kill(agent.pid, 'SIGTERM');
    const killer = setTimeout(() => process.kill(agent!.pid!, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
  await relay?.close();
  await hub?.cleanup();
  await ClusterIpRules.removeLeftovers(NODE);
  const pods = podman(['pod', 'ps', '-q', '--filter', `label=io.peapod.node=${NODE}`])
    .split('\n')
    .filter(Boolean);
  if (pods.length) podman(['pod', 'rm', '-f', ...pods]);
  const ids = podman(['ps', '-aq', '--filter', `label=io.peapod.node=${NODE}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length) podman(['rm', '-f', '-t', '0', ...ids]);
  rmSync(agentDir, { recursive: true, force: true });
}, 120_000);

describe('offline autonomy with real processes', () => {
  let steadyId = '';

  it('survives a partition: keeps running, restarts a crash, drops a deleted Deployment, restarts nothing healthy', async () => {
    for (const name of ['steady', 'crasher'])
      expect((await api(hub, 'POST', '/api/v1/namespaces/default/pods', { body: bareSleeper(name) })).status).toBe(201);
    for (const body of [DEPLOYMENT, EVICTEE])
      expect((await api(hub, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body })).status).toBe(201);
    const running = async () => {
      const pods = await nodePods();
      return (
        pods.length === 4 && pods.every((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready)
      );
    };
    await eventually(running, 'four pods Running', 120_000);
    const before = await pod('steady');
    // Pinned pods (nodeName, hostname selector) tolerate unreachability forever by default.
    for (const p of [before, ...(await nodePods()).filter((p) => p.metadata.labels.app === 'web')])
      expect(p.spec.tolerations.filter((t: Obj) => t.key === 'node.kubernetes.io/unreachable')).toEqual([
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      ]);
    steadyId = before.status.containerStatuses[0].containerID;
    const crasherId = runningContainers('crasher').get('main')!;
    const webPod = (await nodePods()).find((p) => p.metadata.labels?.app === 'web');
    const evicted = (await nodePods()).find((p) => p.metadata.labels?.app === 'evictee');

    relay.cut();
    const offline = await eventually(async () => ready(await nodeObj()) === 'Unknown' && nodeObj(), 'node Unknown');
    // The hub keeps the pods (they tolerate the unreachable taint) and stamps the outage.
    expect(offline.spec.taints.map((t: Obj) => t.key)).toContain('node.kubernetes.io/unreachable');

    // While cut off: the Deployment is deleted on the hub, and a container crashes on the device.
    expect((await api(hub, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/web')).status).toBe(200);
    await eventually(async () => (await pod(webPod.metadata.name))?.metadata.deletionTimestamp, 'web pod Terminating');
    // The evictee's toleration runs out: it is evicted (Terminating, still running on the device) and
    // its ReplicaSet makes a replacement, which cannot go anywhere yet.
    await eventually(async () => (await pod(evicted.metadata.name))?.metadata.deletionTimestamp, 'evictee evicted');
    const replacement = await eventually(
      async () =>
        (await get('/api/v1/namespaces/default/pods?labelSelector=app=evictee'))?.items.find(
          (p: Obj) => p.metadata.uid !== evicted.metadata.uid,
        ),
      'replacement created',
    );
    expect(replacement.spec.nodeName).toBeUndefined();
    podman(['kill', crasherId]);
    const restartedId = await eventually(() => {
      const id = runningContainers('crasher').get('main');
      return id && id !== crasherId && id;
    }, 'crashed container restarted offline');
    expect(restartedId).not.toBe(crasherId);
    // Still running: the device cannot know yet.
    expect(runningContainers(webPod.metadata.name).get('main')).toBeDefined();

    relay.heal();
    await eventually(async () => ready(await nodeObj()) === 'True', 'node Ready again');
    await eventually(async () => !(await pod(webPod.metadata.name)), 'deleted Deployment pod gone from the hub');
    await eventually(() => runningContainers(webPod.metadata.name).size === 0, 'its container stopped');
    const crasher = await eventually(async () => {
      const p = await pod('crasher');
      return p?.status.containerStatuses?.[0]?.restartCount === 1 && p.status.phase === 'Running' && p;
    }, 'crash reported after reconnect');
    expect(crasher.status.containerStatuses[0].containerID).toBe(`podman://${restartedId}`);

    // The surplus is exactly the evicted pod: stopped and gone; the replacement runs on the device.
    await eventually(async () => !(await pod(evicted.metadata.name)), 'evicted pod gone');
    await eventually(() => runningContainers(evicted.metadata.name).size === 0, 'evicted container stopped');
    await eventually(async () => {
      const items = (await get('/api/v1/namespaces/default/pods?labelSelector=app=evictee'))?.items ?? [];
      return (
        items.length === 1 && items[0].metadata.uid === replacement.metadata.uid && items[0].status?.phase === 'Running'
      );
    }, 'replacement Running, one replica');

    const after = await pod('steady');
    expect(after.status.containerStatuses[0].restartCount).toBe(0);
    expect(after.status.containerStatuses[0].containerID).toBe(steadyId);
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(`podman://${runningContainers('steady').get('main')}`).toBe(steadyId);

    const history = JSON.parse((await nodeObj()).metadata.annotations['peapod.io/offline-history']);
    expect(history.at(-1)).toMatchObject({ cause: 'connection-lost' });
    expect(history.at(-1).online).toBeDefined();
    // What an operator sees: when the node was last seen, and its outages.
    const wide = peapod(['get', 'nodes', '-o', 'wide']);
    expect(wide.split('\n')[0]).toMatch(/ LAST-SEEN$/);
    expect(wide).toMatch(new RegExp(`^${NODE} +Ready .* \\d+s$`, 'm'));
    const described = peapod(['describe', 'node', NODE]);
    expect(described).toContain('peapod.io/offline-history');
    expect(described).toMatch(/^Offline History:\n +Offline +Online +Duration +Cause\n/m);
    expect(described).toMatch(/^ +\w{3}, .* \+0000 +\w{3}, .* \+0000 +\d+s +connection-lost$/m);
  }, 240_000);

  it('brings cached pods back after kill -9 and a device reboot while the hub is down', async () => {
    await hub.stop();
    // Hub gone: a crash is still restarted locally, and the healthy pod is left alone.
    const crashedId = runningContainers('crasher').get('main')!;
    podman(['kill', crashedId]);
    await eventually(() => {
      const id = runningContainers('crasher').get('main');
      return id && id !== crashedId;
    }, 'crash restarted with the hub down');
    expect(`podman://${runningContainers('steady').get('main')}`).toBe(steadyId);

    process.kill(agent!.pid!, 'SIGKILL');
    await new Promise((r) =>
      agent!.exitCode !== null || agent!.signalCode !== null ? r(null) : agent!.once('exit', r),
    );
    // The "reboot": every container of the node stops, nothing of the agent runs.
    const pods = podman(['pod', 'ps', '-q', '--filter', `label=io.peapod.node=${NODE}`])
      .split('\n')
      .filter(Boolean);
    if (pods.length) podman(['pod', 'stop', '-t', '1', ...pods]);
    expect(runningContainers('steady').size).toBe(0);

    agent = await startAgentProcess();
    const line = await eventually(
      () => agentLog.split('\n').find((l) => l.includes('offline: all cached pods running')),
      'cached pods running without the hub',
      90_000,
    );
    const measured = JSON.parse(line);
    console.log(
      `[measure] agent start → all cached pods Running (hub down): ${measured.ms} ms (last: ${measured.last})`,
    );
    expect(runningContainers('steady').get('main')).toBeDefined();
    expect(runningContainers('crasher').get('main')).toBeDefined();

    await hub.restart();
    await eventually(async () => ready(await nodeObj()) === 'True', 'node Ready after the hub is back', 90_000);
    const converged = await eventually(async () => {
      const all = await nodePods();
      const ok =
        all.length === 3 &&
        all.every(
          (p) =>
            p.status?.phase === 'Running' &&
            p.status.containerStatuses?.[0]?.containerID ===
              `podman://${runningContainers(p.metadata.name).get('main')}`,
        );
      return ok && all;
    }, 'status converged, no duplicates');
    expect(converged.map((p: Obj) => p.metadata.labels.app).sort()).toEqual(['crasher', 'evictee', 'steady']);
    const rss = readFileSync(`/proc/${agent!.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)![1];
    console.log(`[measure] agent RSS with the offline cache and 3 pods: ${Math.round(Number(rss) / 1024)} MiB`);
  }, 240_000);
});
