import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentHandle, type PodStatusUpdate, type RuntimeDriver, startAgent } from '@peapod/agent';
import { badRequest, type KubeObject, type Pod, type PodStatus, resolveResourceType } from '@peapod/core';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { createResourceService, type LocalResourceService } from '../src/api/service.js';
import type { HubContext, Logger } from '../src/component.js';
import { createMqttComponent, type MqttComponent, type MqttComponentOptions } from '../src/mqtt/component.js';
import { SqliteStore } from '../src/store/sqlite.js';

export const PODS = resolveResourceType('pods')!;
export const NODES = resolveResourceType('nodes')!;
export const NAMESPACES = resolveResourceType('namespaces')!;

export interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

export function memoryLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/** A real hub slice: SQLite store, resource service and the MQTT component (embedded broker). */
export interface TestHub {
  dataDir: string;
  store: SqliteStore;
  service: LocalResourceService;
  mqtt: MqttComponent;
  context: HubContext;
  logs: LogLine[];
  url: string;
  wssUrl: string;
  token: string;
  caPem: string;
  stop(): Promise<void>;
}

export async function startTestHub(dataDir: string, options: MqttComponentOptions = {}): Promise<TestHub> {
  const store = new SqliteStore(dataDir);
  const service = createResourceService(store);
  try {
    service.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  } catch {
    // exists after a restart
  }
  const logs: LogLine[] = [];
  const context: HubContext = { store, service, dataDir, now: Date.now, log: memoryLogger(logs) };
  const mqtt = createMqttComponent({ mqttsPort: 0, wssPort: 0, host: '127.0.0.1', ...options });
  await mqtt.start(context);
  const info = mqtt.info();
  return {
    dataDir,
    store,
    service,
    mqtt,
    context,
    logs,
    url: `mqtts://127.0.0.1:${info.mqttsPort}`,
    wssUrl: `wss://127.0.0.1:${info.wssPort}/mqtt`,
    token: info.joinToken!,
    caPem: info.caPem!,
    async stop() {
      await mqtt.stop();
      service.close();
      store.close();
    },
  };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A raw MQTT client (for ACL and garbage tests). Resolves on connack or rejects on refusal. */
export function rawClient(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed')));
  });
}

export function podObject(name: string, nodeName: string | undefined, extra: Partial<Pod['spec']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      containers: [{ name: 'main', image: 'localhost/edge-test/busybox:1', command: ['sleep', '3600'] }],
      ...(nodeName ? { nodeName } : {}),
      ...extra,
    },
  };
}

/** Waits for a condition driven by events elsewhere (polls the in-process state; no wall-clock assertion). */
export async function eventually<T>(probe: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function readyCondition(node: KubeObject) {
  return (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
}

/**
 * A pod engine double for protocol tests: records every desired set the transport hands over and
 * lets the test emit status/removal events. (Real pod engines are covered by the agent process test.)
 */
export class RecordingPodManager {
  readonly syncs: Pod[][] = [];
  private readonly statusListeners = new Set<(u: PodStatusUpdate) => void>();
  private readonly removedListeners = new Set<(p: { namespace: string; name: string; uid: string }) => void>();
  private latest = new Map<string, PodStatusUpdate>();
  private sequence = 0;

  get current(): Pod[] | undefined {
    return this.syncs[this.syncs.length - 1];
  }
  sync(desired: Pod[]): void {
    this.syncs.push(desired);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  onStatus(listener: (u: PodStatusUpdate) => void) {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }
  statuses(): PodStatusUpdate[] {
    return [...this.latest.values()];
  }
  onRemoved(listener: (p: { namespace: string; name: string; uid: string }) => void) {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }
  emitStatus(pod: Pod, status: PodStatus): PodStatusUpdate {
    const update = {
      namespace: pod.metadata.namespace!,
      name: pod.metadata.name!,
      uid: pod.metadata.uid!,
      status,
      sequence: ++this.sequence,
      observedAt: new Date().toISOString(),
    };
    this.latest.set(update.uid, update);
    for (const l of this.statusListeners) l(update);
    return update;
  }
  emitRemoved(pod: Pod): void {
    this.latest.delete(pod.metadata.uid!);
    for (const l of this.removedListeners)
      l({ namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! });
  }
  async logs(
    pod: { namespace: string; name: string },
    container: string,
    _options: unknown,
    onChunk: (chunk: Buffer) => void,
  ): Promise<void> {
    if (container === 'missing') throw badRequest(`container ${container} is not valid for pod ${pod.name}`);
    onChunk(Buffer.from(`log of ${pod.name}/${container} line 1\n`));
    onChunk(Buffer.alloc(80 * 1024, 'x'));
    onChunk(Buffer.from('\nlast line\n'));
  }
  async exec(_pod: { namespace: string; name: string }, _container: string, command: string[]) {
    return { exitCode: 3, stdout: `ran ${command.join(' ')}\n`, stderr: 'some error\n' };
  }
  async stats() {
    return [
      {
        namespace: 'default',
        name: 'p',
        containers: [{ name: 'main', containerId: 'c1', cpuMilli: 12, memoryBytes: 4096 }],
      },
    ];
  }
}

/** Just enough runtime for the node reporter (version → containerRuntimeVersion). */
export const versionOnlyDriver = { name: 'podman', version: async () => '4.3.1' } as unknown as RuntimeDriver;

/**
 * A real agent (`startAgent`: join, MQTT, node reports) whose pods go to a RecordingPodManager; its
 * data dir and the agent are added to `cleanups`.
 */
export async function startTestAgent(
  h: { url: string; token: string },
  name: string,
  cleanups: (() => Promise<void> | void)[],
  extra: Partial<Parameters<typeof startAgent>[0]> = {},
): Promise<{ handle: AgentHandle; pods: RecordingPodManager; dataDir: string }> {
  const dir = tempDir(`peapod-test-agent-${name}-`);
  const pods = new RecordingPodManager();
  const handle = await startAgent({
    hub: h.url,
    token: h.token,
    nodeName: name,
    dataDir: dir.path,
    profile: 'generic-amd64',
    driver: versionOnlyDriver,
    podManager: pods,
    log: { info() {}, warn() {}, error() {} },
    ...extra,
  });
  cleanups.push(dir.remove, () => handle.stop());
  return { handle, pods, dataDir: dir.path };
}
