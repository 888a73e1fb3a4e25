import { readFileSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { type AgentHandle, startAgent } from '@peapod/agent';
import type { KubeObject, Pod } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OFFLINE_HISTORY_ANNOTATION } from '../src/mqtt/node-status.js';
import {
  eventually,
  NODES,
  PODS,
  podObject,
  RecordingPodManager,
  readyCondition,
  startTestAgent,
  startTestHub,
  type TestHub,
  tempDir,
  versionOnlyDriver,
} from './mqtt-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function hub(options = {}): Promise<TestHub> {
  const dir = tempDir('peapod-mqtt-hub-');
  const h = await startTestHub(dir.path, options);
  cleanups.push(dir.remove, () => h.stop());
  return h;
}

function agent(
  h: { url: string; token: string },
  name: string,
  extra: Partial<Parameters<typeof startAgent>[0]> = {},
): Promise<{ handle: AgentHandle; pods: RecordingPodManager; dataDir: string }> {
  return startTestAgent(h, name, cleanups, { heartbeatSeconds: 1, ...extra });
}

function node(h: TestHub, name: string): KubeObject | undefined {
  try {
    return h.service.get(NODES, undefined, name);
  } catch {
    return undefined;
  }
}

const names = (pods: Pod[] | undefined) => (pods ?? []).map((p) => p.metadata.name).sort();

describe('MQTT control plane (embedded broker)', () => {
  it('joins with the token, stores credentials safely and registers the node with real readings', async () => {
    const h = await hub();
    const a = await agent(h, 'edge-a', {
      labels: { site: 'lab' },
      taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }],
    });
    const n = await eventually(() => {
      const obj = node(h, 'edge-a');
      return readyCondition(obj ?? ({} as KubeObject))?.status === 'True' && obj;
    }, 'node registered Ready');
    expect(n.metadata.labels).toMatchObject({
      site: 'lab',
      'kubernetes.io/hostname': 'edge-a',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'generic-amd64',
      'peapod.io/profile': 'generic-amd64',
    });
    expect(n.spec.taints).toEqual([{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    expect(Number(n.status.capacity.cpu)).toBeGreaterThan(0);
    expect(n.status.capacity.memory).toMatch(/^\d+Ki$/);
    expect(n.status.allocatable.pods).toBe('110');
    expect(n.status.nodeInfo.containerRuntimeVersion).toBe('podman://4.3.1');
    expect(n.status.nodeInfo.kernelVersion).not.toBe('');
    expect(n.status.conditions.map((c: { type: string }) => c.type).sort()).toEqual([
      'DiskPressure',
      'MemoryPressure',
      'PIDPressure',
      'Ready',
    ]);
    // The secret is on the device (0600) and only hashed on the hub.
    const credentialFile = join(a.dataDir, 'credential.json');
    expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
    const secret = JSON.parse(readFileSync(credentialFile, 'utf8')).password as string;
    const hubSide = readFileSync(join(h.dataDir, 'mqtt', 'credentials.json'), 'utf8');
    expect(hubSide).not.toContain(secret);
    expect(statSync(join(h.dataDir, 'mqtt', 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('delivers each node only its own desired pods, including deletions, and finishes graceful deletion', async () => {
    const h = await hub();
    const a = await agent(h, 'edge-a');
    const b = await agent(h, 'edge-b');
    h.service.create(PODS, 'default', podObject('a1', 'edge-a'));
    h.service.create(PODS, 'default', podObject('a2', 'edge-a'));
    h.service.create(PODS, 'default', podObject('b1', 'edge-b'));
    h.service.create(PODS, 'default', podObject('unscheduled', undefined));
    await eventually(() => names(a.pods.current).join() === 'a1,a2', 'agent a gets a1,a2');
    await eventually(() => names(b.pods.current).join() === 'b1', 'agent b gets b1');
    expect(a.pods.current!.every((p) => p.status === undefined)).toBe(true);

    h.service.delete(PODS, 'default', 'a1');
    const terminating = await eventually(
      () => a.pods.current?.find((p) => p.metadata.name === 'a1' && p.metadata.deletionTimestamp),
      'a1 delivered with deletionTimestamp',
    );
    a.pods.emitRemoved(terminating);
    await eventually(() => names(a.pods.current).join() === 'a2', 'a1 leaves the desired set');
    expect(() => h.service.get(PODS, 'default', 'a1')).toThrow(/not found/);
    expect(names(b.pods.current)).toEqual(['b1']);
  });

  it('writes pod status through the status subresource and ignores stale or foreign reports', async () => {
    const h = await hub();
    const a = await agent(h, 'edge-a');
    await agent(h, 'edge-b');
    h.service.create(PODS, 'default', podObject('a1', 'edge-a'));
    h.service.create(PODS, 'default', podObject('b1', 'edge-b'));
    const a1 = await eventually(() => a.pods.current?.find((p) => p.metadata.name === 'a1'), 'a1 desired');
    a.pods.emitStatus(a1, { phase: 'Pending', hostIP: '10.0.0.1' });
    a.pods.emitStatus(a1, { phase: 'Running', podIP: '10.88.0.5', startTime: new Date().toISOString() });
    await eventually(() => h.service.get(PODS, 'default', 'a1').status?.phase === 'Running', 'a1 Running');
    expect(h.service.get(PODS, 'default', 'a1').status.podIP).toBe('10.88.0.5');

    // Stale: replay an older sequence of the same agent process.
    await a.handle.transport.publishPodStatus([
      {
        namespace: 'default',
        name: 'a1',
        uid: a1.metadata.uid!,
        status: { phase: 'Pending' },
        sequence: 1,
        observedAt: '',
      },
    ]);
    // Foreign: agent a reports about b1 (bound to edge-b).
    const b1 = h.service.get(PODS, 'default', 'b1');
    await a.handle.transport.publishPodStatus([
      {
        namespace: 'default',
        name: 'b1',
        uid: b1.metadata.uid!,
        status: { phase: 'Failed' },
        sequence: 99,
        observedAt: '',
      },
    ]);
    await eventually(
      () => h.logs.some((l) => l.message.includes('not bound to the node')),
      'foreign report dropped and logged',
    );
    await eventually(() => h.logs.some((l) => l.message.includes('stale pod status')), 'stale report ignored');
    expect(h.service.get(PODS, 'default', 'a1').status.phase).toBe('Running');
    expect(h.service.get(PODS, 'default', 'b1').status?.phase).not.toBe('Failed');
  });

  it('offers hook points for the offline cache: initial set, every new set, acknowledged statuses', async () => {
    const h = await hub();
    const seenSets: string[][] = [];
    const acked: string[] = [];
    const cachedPod = podObject('cached', 'edge-hooks') as Pod;
    const a = await agent(h, 'edge-hooks', {
      hooks: {
        initialDesired: () => [cachedPod],
        desiredChanged: (pods) => seenSets.push(names(pods)),
        statusAcknowledged: (u) => acked.push(`${u.name}#${u.sequence}`),
      },
    });
    // The cached set is applied before the hub is reached…
    expect(names(a.pods.syncs[0])).toEqual(['cached']);
    h.service.create(PODS, 'default', podObject('fresh', 'edge-hooks'));
    // …and the hub's set replaces it.
    await eventually(() => names(a.pods.current).join() === 'fresh', 'hub set');
    expect(seenSets.at(-1)).toEqual(['fresh']);
    const fresh = a.pods.current![0];
    const update = a.pods.emitStatus(fresh, { phase: 'Running' });
    await eventually(() => acked.includes(`fresh#${update.sequence}`), 'status acknowledged');
  });

  it('marks a node Unknown within moments of an unclean disconnect (Last Will) and records the offline history', async () => {
    const h = await hub();
    const a = await agent(h, 'edge-a');
    await eventually(() => readyCondition(node(h, 'edge-a') ?? ({} as KubeObject))?.status === 'True', 'Ready');
    const client = (a.handle.transport as unknown as { client: { stream: { destroy(): void } } }).client;
    // Kill the TCP link without DISCONNECT; the agent reconnects on its own after its back-off.
    const cut = Date.now();
    client.stream.destroy();
    const n = await eventually(() => {
      const obj = node(h, 'edge-a');
      return readyCondition(obj!)?.status === 'Unknown' && obj;
    }, 'Ready=Unknown after the will');
    const detectedMs = Date.now() - cut;
    console.log(`[measure] Last Will → Ready=Unknown in ${detectedMs} ms`);
    const ready = readyCondition(n);
    expect(ready.reason).toBe('NodeStatusUnknown');
    expect(ready.message).toBe('Kubelet stopped posting node status.');
    const back = await eventually(() => {
      const obj = node(h, 'edge-a');
      return readyCondition(obj!)?.status === 'True' && obj;
    }, 'Ready again after the reconnect');
    const history = JSON.parse(back.metadata.annotations[OFFLINE_HISTORY_ANNOTATION]);
    expect(history.at(-1).online).toBeDefined();
    expect(history.at(-1)).toMatchObject({ cause: 'connection-lost' });
  });

  it('marks a silent node Unknown after the grace period and Ready again when it comes back', async () => {
    const h = await hub({ nodeGracePeriodMs: 1500 });
    const dataDir = tempDir('peapod-mqtt-agent-silent-');
    cleanups.push(dataDir.remove);
    const quiet = { info() {}, warn() {}, error() {} };
    const options = {
      hub: h.url,
      token: h.token,
      nodeName: 'edge-silent',
      dataDir: dataDir.path,
      profile: 'generic-amd64',
      driver: versionOnlyDriver,
      heartbeatSeconds: 1,
      log: quiet,
    };
    const first = await startAgent({ ...options, podManager: new RecordingPodManager() });
    await eventually(() => readyCondition(node(h, 'edge-silent') ?? ({} as KubeObject))?.status === 'True', 'Ready');
    await first.stop(); // clean disconnect: no will, only silence
    await eventually(
      () => readyCondition(node(h, 'edge-silent')!)?.status === 'Unknown',
      'Unknown after grace',
      10_000,
    );
    const second = await startAgent({ ...options, podManager: new RecordingPodManager() });
    cleanups.push(() => second.stop());
    const back = await eventually(() => {
      const obj = node(h, 'edge-silent');
      return readyCondition(obj!)?.status === 'True' && obj;
    }, 'Ready again');
    const history = JSON.parse(back.metadata.annotations[OFFLINE_HISTORY_ANNOTATION]);
    expect(history.at(-1).cause).toBe('heartbeat-timeout');
    expect(history.at(-1).online).toBeDefined();
  });

  it('gives an agent that was away the current set, including deletions made meanwhile', async () => {
    const h = await hub();
    const dataDir = tempDir('peapod-mqtt-agent-away-');
    cleanups.push(dataDir.remove);
    const quiet = { info() {}, warn() {}, error() {} };
    const options = {
      hub: h.url,
      token: h.token,
      nodeName: 'edge-away',
      dataDir: dataDir.path,
      profile: 'generic-amd64',
      driver: versionOnlyDriver,
      log: quiet,
      // What the hub sends, alone: the offline cache would first run the cached set (by design).
      offlineCache: false,
    };
    const firstPods = new RecordingPodManager();
    const first = await startAgent({ ...options, podManager: firstPods });
    h.service.create(PODS, 'default', podObject('keep', 'edge-away'));
    h.service.create(PODS, 'default', podObject('gone', 'edge-away'));
    await eventually(() => names(firstPods.current).join() === 'gone,keep', 'initial set');
    await first.stop();

    h.service.delete(PODS, 'default', 'gone', { gracePeriodSeconds: 0 });
    h.service.create(PODS, 'default', podObject('new', 'edge-away'));
    const secondPods = new RecordingPodManager();
    const second = await startAgent({ ...options, podManager: secondPods });
    cleanups.push(() => second.stop());
    await eventually(() => names(secondPods.current).join() === 'keep,new', 'current set after restart');
    expect(secondPods.syncs.every((set) => !names(set).includes('gone'))).toBe(true);
  });

  it('keeps desired state across a hub restart (credentials and pods come from the data dir)', {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('peapod-mqtt-hub-restart-');
    cleanups.push(dir.remove);
    let h = await startTestHub(dir.path);
    h.service.create(PODS, 'default', podObject('p1', 'edge-r'));
    const agentDir = tempDir('peapod-mqtt-agent-r-');
    cleanups.push(agentDir.remove);
    const pods = new RecordingPodManager();
    const port = Number(new URL(h.url).port);
    const a = await startAgent({
      hub: h.url,
      token: h.token,
      nodeName: 'edge-r',
      dataDir: agentDir.path,
      profile: 'generic-amd64',
      driver: versionOnlyDriver,
      podManager: pods,
      log: { info() {}, warn() {}, error() {} },
    });
    cleanups.push(() => a.stop());
    await eventually(() => names(pods.current).join() === 'p1', 'p1 before restart');
    await h.stop();
    h = await startTestHub(dir.path, { mqttsPort: port });
    cleanups.push(() => h.stop());
    h.service.create(PODS, 'default', podObject('p2', 'edge-r'));
    await eventually(
      () => names(pods.current).join() === 'p1,p2',
      'p1,p2 after hub restart (agent back-off up to 30 s)',
      60_000,
    );
    await eventually(() => readyCondition(node(h, 'edge-r') ?? ({} as KubeObject))?.status === 'True', 'Ready');
  });

  it('relays logs, exec and metrics through the NodeProxy', async () => {
    const h = await hub({ proxyTimeoutMs: 1500 });
    await agent(h, 'edge-a');
    await eventually(() => node(h, 'edge-a'), 'registered');
    const proxy = h.context.nodeProxy!;
    const chunks: Buffer[] = [];
    await proxy.logs('edge-a', { namespace: 'default', name: 'web', uid: 'u1' }, { container: 'main' }, (c) =>
      chunks.push(c),
    );
    const text = Buffer.concat(chunks).toString();
    expect(text.startsWith('log of web/main line 1\n')).toBe(true);
    expect(text.endsWith('\nlast line\n')).toBe(true);
    expect(text.length).toBe('log of web/main line 1\n'.length + 80 * 1024 + '\nlast line\n'.length);

    const out: string[] = [];
    const err: string[] = [];
    const exit = await new Promise<number>((resolve) => {
      void proxy.exec(
        'edge-a',
        { namespace: 'default', name: 'web', uid: 'u1' },
        { container: 'main', command: ['echo', 'hi'], stdin: false, tty: false },
        { onStdout: (d) => out.push(d.toString()), onStderr: (d) => err.push(d.toString()), onExit: resolve },
      );
    });
    expect(exit).toBe(3);
    expect(out.join('')).toBe('ran echo hi\n');
    expect(err.join('')).toBe('some error\n');

    const metrics = await proxy.podMetrics('edge-a');
    expect(metrics).toEqual([
      { namespace: 'default', name: 'p', containers: [{ name: 'main', cpuMilli: 12, memoryBytes: 4096 }] },
    ]);
    await expect(proxy.podMetrics('no-such-node')).rejects.toThrow(/did not answer/);
    // `kubectl top nodes` asks the device for a reading now (this machine's /proc).
    const usage = await proxy.nodeUsage('edge-a');
    expect(usage.cpuMilli).toBeGreaterThanOrEqual(0);
    expect(usage.memoryBytes).toBeGreaterThan(0);
    expect(usage.memoryBytes).toBeLessThanOrEqual(totalmem());
    // The agent's Kubernetes error comes through with its code.
    const failure = await proxy
      .logs('edge-a', { namespace: 'default', name: 'web', uid: 'u1' }, { container: 'missing' }, () => {})
      .catch((e) => e);
    expect(failure.code).toBe(400);
    expect(failure.message).toBe('container missing is not valid for pod web');
  });

  it('works over MQTT on secure WebSocket', async () => {
    const h = await hub();
    const a = await agent({ url: h.wssUrl, token: h.token }, 'edge-ws');
    h.service.create(PODS, 'default', podObject('w1', 'edge-ws'));
    await eventually(() => names(a.pods.current).join() === 'w1', 'w1 over wss');
    await eventually(() => readyCondition(node(h, 'edge-ws') ?? ({} as KubeObject))?.status === 'True', 'Ready');
  });
});
