import type { AgentHandle } from '@peapod/agent';
import type { KubeObject, NodeReport } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeDriver } from '../../agent/src/runtime/driver.js';
import { OFFLINE_HISTORY_ANNOTATION } from '../src/mqtt/node-status.js';
import {
  eventually,
  NODES,
  readyCondition,
  startTestAgent,
  startTestHub,
  type TestHub,
  tempDir,
} from './mqtt-harness.js';

/**
 * Leases and node status (docs/agent.md, k8s-semantics §9.2) with a real hub slice (SQLite store,
 * embedded broker) and a real agent: the agent renews its lease every interval and posts its
 * status only when something that matters changed; the hub keeps lease renewals in memory.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Body = Omit<NodeReport, 'v' | 'instance' | 'connection' | 'sentAt'>;

interface Watched {
  handle: AgentHandle;
  /** Node reports the agent published (emptied by `ready`). */
  reports: Body[];
  leases(): number;
  /** Drops every lease and report (the link stays up): what a wedged agent or a lossy path looks like. */
  silence(): void;
  unsilence(): void;
}

async function hub(): Promise<TestHub> {
  const dir = tempDir('peapod-lease-hub-');
  const h = await startTestHub(dir.path, { nodeGracePeriodMs: 2000 });
  cleanups.push(dir.remove, () => h.stop());
  return h;
}

async function agent(h: TestHub, name: string, driver: RuntimeDriver): Promise<Watched> {
  const { handle } = await startTestAgent(h, name, cleanups, { driver, leaseSeconds: 0.25 });
  const t = handle.transport;
  const post = t.publishNodeReport.bind(t);
  const renew = t.renewLease.bind(t);
  const reports: Body[] = [];
  let leases = 0;
  let silent = false;
  t.publishNodeReport = async (report) => {
    if (silent) return false;
    reports.push(report);
    return post(report);
  };
  t.renewLease = async () => {
    if (silent) return false;
    leases++;
    return renew();
  };
  return {
    handle,
    reports,
    leases: () => leases,
    silence: () => {
      silent = true;
    },
    unsilence: () => {
      silent = false;
    },
  };
}

function node(h: TestHub, name: string): KubeObject {
  return h.service.get(NODES, undefined, name);
}

const ready = (h: TestHub, name: string) => {
  try {
    return readyCondition(node(h, name));
  } catch {
    return undefined;
  }
};

/** Registered and Ready; forgets the registration so `reports` holds what came after. */
async function registered(h: TestHub, a: Watched, name: string): Promise<void> {
  await eventually(() => ready(h, name)?.status === 'True', 'registered Ready');
  expect(a.reports.map((r) => r.type)).toEqual(['register']);
  a.reports.length = 0;
}

const healthyDriver = { name: 'podman', version: async () => '4.3.1' } as unknown as RuntimeDriver;

describe('node leases and status posts', () => {
  it('renews only the lease while idle: the node stays Ready past the grace period with no store write', async () => {
    const h = await hub();
    const a = await agent(h, 'lease-idle', healthyDriver);
    await registered(h, a, 'lease-idle');
    const before = node(h, 'lease-idle').metadata.resourceVersion;
    const leasesBefore = a.leases();
    // Three grace periods' worth of leases (2 s grace, 0.25 s leases).
    await eventually(() => a.leases() >= leasesBefore + 24, 'leases renewed', 30_000);
    expect(a.reports).toEqual([]);
    const after = node(h, 'lease-idle');
    expect(readyCondition(after)?.status).toBe('True');
    expect(after.metadata.resourceVersion).toBe(before);
  });

  it('posts the status at once when a condition changes (runtime down → Ready=False → back)', async () => {
    const h = await hub();
    let down = false;
    let streamEnds = 0;
    const driver = {
      name: 'podman',
      version: async () => {
        if (down) throw new Error('podman not found');
        return '4.3.1';
      },
      // A runtime that goes away ends its event stream: the agent then checks it on the next tick.
      eventStreamEnds: () => streamEnds,
    } as unknown as RuntimeDriver;
    const a = await agent(h, 'lease-change', driver);
    await registered(h, a, 'lease-change');
    down = true;
    streamEnds++;
    const notReady = await eventually(() => {
      const c = ready(h, 'lease-change');
      return c?.status === 'False' && c;
    }, 'Ready=False');
    expect(notReady.reason).toBe('KubeletNotReady');
    expect(notReady.message).toContain('podman not found');
    down = false;
    await eventually(() => ready(h, 'lease-change')?.status === 'True', 'Ready again');
    const posted = a.reports.filter((r) => r.type === 'status');
    expect(posted).toHaveLength(2);
    for (const r of posted) expect(r.conditions?.map((c) => c.type)).toContain('Ready');
    // The runtime version is part of nodeInfo: it went to `unknown` and back, and only then was resent.
    expect(posted.map((r) => r.nodeInfo?.containerRuntimeVersion)).toEqual(['unknown', 'podman://4.3.1']);
  });

  it('brings a silently lost node back to Ready when its leases resume (the hub asks for its status)', async () => {
    const h = await hub();
    const a = await agent(h, 'lease-silent', healthyDriver);
    await registered(h, a, 'lease-silent');
    a.silence();
    const unknown = await eventually(() => {
      const c = ready(h, 'lease-silent');
      return c?.status === 'Unknown' && c;
    }, 'Ready=Unknown after the grace period');
    expect(unknown.reason).toBe('NodeStatusUnknown');
    const pressure = readyConditions(node(h, 'lease-silent')).filter((c) => c.type !== 'Ready');
    expect(pressure.map((c) => c.status)).toEqual(['Unknown', 'Unknown', 'Unknown']);
    a.unsilence();
    const back = await eventually(() => {
      const n = node(h, 'lease-silent');
      return readyCondition(n)?.status === 'True' && n;
    }, 'Ready again');
    // Same connection, no re-registration: the lease made the hub ask, the agent sent everything.
    expect(a.reports.map((r) => r.type)).toEqual(['status']);
    expect(a.reports[0].capacity).toBeDefined();
    expect(readyConditions(back).map((c) => c.status)).toEqual(['False', 'False', 'False', 'True']);
    const history = JSON.parse(back.metadata.annotations[OFFLINE_HISTORY_ANNOTATION]);
    expect(history.at(-1)).toMatchObject({ cause: 'heartbeat-timeout' });
    expect(history.at(-1).online).toBeDefined();
  });
});

function readyConditions(n: KubeObject): { type: string; status: string }[] {
  return n.status.conditions;
}
