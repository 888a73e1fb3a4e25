import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject, Node, Pod, PodCondition } from '@peapod/core';
import { ensureDefaultNamespaces } from '../src/api/namespaces.js';
import { createResourceService, type LocalResourceService } from '../src/api/service.js';
import type { HubComponent, HubContext, Logger } from '../src/component.js';
import { NODES, PODS, rfc3339 } from '../src/controllers/objects.js';
import { SqliteStore } from '../src/store/sqlite.js';

const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {} };

export interface TestHub {
  context: HubContext;
  service: LocalResourceService;
  /** Shifts the injected clock (HubContext.now and the service's timestamps). */
  advance(ms: number): void;
  stop(): Promise<void>;
}

/** A real SQLite store and ResourceService in a temp dir, with `components` started on it. */
export async function startTestHub(components: HubComponent[], options: { log?: Logger } = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'peapod-ctrl-'));
  let offset = 0;
  const now = () => Date.now() + offset;
  const store = new SqliteStore(dir, { synchronous: 'NORMAL', now });
  const service = createResourceService(store, { now });
  ensureDefaultNamespaces(service);
  const context: HubContext = { store, service, dataDir: dir, now, log: options.log ?? quiet };
  for (const c of components) await c.start(context);
  return {
    context,
    service,
    advance(ms) {
      offset += ms;
    },
    async stop() {
      for (const c of [...components].reverse()) await c.stop();
      service.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value (generous timeout; no timing is asserted). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function readyNode(name: string, extra: Partial<Node['spec']> = {}, labels: Record<string, string> = {}): Node {
  const at = rfc3339(Date.now());
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: { ...extra },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: at, lastTransitionTime: at },
      ],
    },
  };
}

/** Sets the node's Ready condition (what the MQTT bridge does on connect / silence). */
export function setNodeReady(service: LocalResourceService, name: string, status: 'True' | 'False' | 'Unknown'): void {
  service.mutate(
    NODES,
    undefined,
    name,
    (n) => {
      const at = rfc3339(Date.now());
      n.status.conditions = [
        {
          type: 'Ready',
          status,
          reason: status === 'Unknown' ? 'NodeStatusUnknown' : status === 'True' ? 'KubeletReady' : 'KubeletNotReady',
          lastHeartbeatTime: at,
          lastTransitionTime: at,
        },
      ];
      return n;
    },
    { status: true },
  );
}

export interface SimulatedAgent {
  /** Decides whether a running pod reports Ready (default: all ready). */
  readiness: (pod: Pod) => boolean;
  /** Re-evaluates readiness of every pod on the node. */
  refresh(): void;
  /** Stops answering (a disconnected device): pods keep their last status, deletions stay pending. */
  disconnect(): void;
  reconnect(): void;
  stop(): void;
}

/**
 * Plays the agent of one node through the ResourceService: pods bound to the node become Running
 * (Ready per `readiness`), and pods being deleted are confirmed with a grace-0 delete. Not a real
 * agent: the end-to-end tests with real agents are the integrator's.
 */
export function simulateAgent(service: LocalResourceService, nodeName: string): SimulatedAgent {
  let connected = true;
  let stopped = false;
  const agent: SimulatedAgent = {
    readiness: () => true,
    refresh() {
      if (!connected || stopped) return;
      const pods = service.list(PODS, { fieldSelector: `spec.nodeName=${nodeName}` }).items;
      for (const p of pods) handle(p);
    },
    disconnect() {
      connected = false;
    },
    reconnect() {
      connected = true;
      agent.refresh();
    },
    stop() {
      stopped = true;
      unwatch();
    },
  };
  const handle = (object: KubeObject) => {
    const pod = object as Pod;
    if (!connected || stopped || pod.spec?.nodeName !== nodeName) return;
    const { namespace, name } = pod.metadata;
    try {
      if (pod.metadata.deletionTimestamp) {
        service.delete(PODS, namespace, name as string, { gracePeriodSeconds: 0 });
        return;
      }
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      const ready = agent.readiness(pod) ? 'True' : 'False';
      const current = pod.status?.conditions?.find((c: PodCondition) => c.type === 'Ready')?.status;
      if (pod.status?.phase === 'Running' && current === ready) return;
      service.mutate(
        PODS,
        namespace,
        name as string,
        (p) => {
          const at = rfc3339(Date.now());
          const others = (p.status?.conditions ?? []).filter(
            (c: PodCondition) => c.type !== 'Ready' && c.type !== 'ContainersReady',
          );
          p.status = {
            ...p.status,
            phase: 'Running',
            podIP: '10.88.0.2',
            conditions: [
              ...others,
              { type: 'ContainersReady', status: ready, lastTransitionTime: at },
              { type: 'Ready', status: ready, lastTransitionTime: at },
            ],
          };
          return p;
        },
        { status: true },
      );
    } catch {
      // the pod went away meanwhile
    }
  };
  const unwatch = service.watch(PODS, {}, (event) => {
    if (event.type === 'ADDED' || event.type === 'MODIFIED') setImmediate(() => handle(event.object));
  });
  agent.refresh();
  return agent;
}
