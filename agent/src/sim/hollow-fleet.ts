import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type AgentHandle, type AgentLogger, startAgent } from '../agent.js';
import { createDeviceReader, type DeviceReadings } from '../node/readings.js';
import { SimulatedDriver } from './simulated-driver.js';

/**
 * Hollow nodes (kubemark-style): N real agents — real MQTT transport, join, node reports, pod
 * engine — in this process, each with an in-memory SimulatedDriver instead of podman. For the fleet
 * simulator (bench/) and its functional test; never part of a real agent.
 */
export interface HollowFleetOptions {
  /** Broker URL the agents connect to (e.g. `mqtts://127.0.0.1:8883`). */
  hub: string;
  /** Join token of the hub (`<dataDir>/join-token`). */
  token: string;
  count: number;
  /** Node names are `<prefix>-<index>` (index zero-padded to 4 digits). */
  namePrefix: string;
  /** Each node's data dir is `<dataRoot>/<node name>`. */
  dataRoot: string;
  /** Simulated runtime latency per operation (default 5 ms). */
  latencyMs?: number;
  /** Agents joining at the same time (default 20). */
  concurrency?: number;
  /** Lease interval (default: the profile's, 10 s). */
  leaseSeconds?: number;
  /** Node status report interval (default 5 min). */
  nodeStatusReportSeconds?: number;
  profile?: string;
  /** Start attempts per node before giving up (default 5, 1 s × attempt apart). */
  attempts?: number;
  /** Keep the nodes that did start when some give up (listed in `failed`) instead of throwing. */
  tolerateFailures?: boolean;
  log?: AgentLogger;
}

export interface HollowFleet {
  /** The nodes that started (all of them unless `tolerateFailures`). */
  readonly names: string[];
  /** Nodes that gave up starting (only with `tolerateFailures`), with the last error. */
  readonly failed: { name: string; error: string }[];
  /** Start attempts that failed and were retried. */
  readonly retries: number;
  agent(name: string): AgentHandle;
  /** Cuts a node's MQTT connection without DISCONNECT (the broker sends its Last Will); no reconnect. */
  killUnclean(name: string): void;
  /** Keeps the node's connection (and MQTT keepalive) but stops its lease renewals and node reports. */
  silence(name: string): void;
  /** Stops every agent and removes the data dirs. */
  stop(): Promise<void>;
}

const quiet: AgentLogger = { info() {}, warn() {}, error() {} };

export function hollowNodeName(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(4, '0')}`;
}

/**
 * An idle device: this machine's readings taken once, then held. (Every hollow node reading the
 * shared host live would report other processes' load as its own — not an idle node.)
 */
function idleDeviceReadings(): (dataDir: string) => Promise<DeviceReadings> {
  const read = createDeviceReader();
  let first: Promise<DeviceReadings> | undefined;
  return (dataDir) => {
    first ??= read(dataDir);
    return first;
  };
}

export async function startHollowFleet(options: HollowFleetOptions): Promise<HollowFleet> {
  const names = Array.from({ length: options.count }, (_, i) => hollowNodeName(options.namePrefix, i));
  const agents = new Map<string, AgentHandle>();
  const stopped = new Set<string>();

  const startOne = async (name: string, index: number) => {
    const dataDir = join(options.dataRoot, name);
    await mkdir(dataDir, { recursive: true });
    const handle = await startAgent({
      services: false,
      hub: options.hub,
      token: options.token,
      nodeName: name,
      dataDir,
      profile: options.profile ?? 'generic-amd64',
      labels: {},
      taints: [],
      nodeIP: `10.${100 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`,
      readReadings: idleDeviceReadings(),
      leaseSeconds: options.leaseSeconds,
      nodeStatusReportSeconds: options.nodeStatusReportSeconds,
      driver: new SimulatedDriver({
        latencyMs: options.latencyMs ?? 5,
        ipPrefix: `10.${200 + (index >> 16)}.${(index >> 8) & 255}`,
      }),
      offlineCache: false,
      log: options.log ?? quiet,
    });
    agents.set(name, handle);
  };

  // Like a supervised agent on a device (systemd restarts it), a node whose first contact fails —
  // e.g. a TLS handshake timing out while hundreds join at once — tries again.
  let retries = 0;
  const startWithRetry = async (name: string, index: number) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOne(name, index);
      } catch (error) {
        if (attempt >= (options.attempts ?? 5)) throw error;
        retries++;
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  };
  const failed: { name: string; error: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      try {
        await startWithRetry(names[index], index);
      } catch (error) {
        if (!options.tolerateFailures) throw error;
        failed.push({ name: names[index], error: String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 20, names.length) }, worker));

  const agent = (name: string) => {
    const handle = agents.get(name);
    if (!handle) throw new Error(`no hollow node ${name}`);
    return handle;
  };

  return {
    names: names.filter((n) => agents.has(n)),
    failed,
    retries,
    agent,
    killUnclean(name) {
      const handle = agent(name);
      stopped.add(name);
      // The transport keeps its mqtt client private; end(true) destroys the socket with no DISCONNECT.
      const client = (handle.transport as unknown as { client?: { end(force: boolean): void } }).client;
      client?.end(true);
      void handle.stop().catch(() => undefined);
    },
    silence(name) {
      const transport = agent(name).transport;
      transport.publishNodeReport = async () => false;
      transport.renewLease = async () => false;
    },
    async stop() {
      await Promise.all(
        [...agents].filter(([name]) => !stopped.has(name)).map(([, h]) => h.stop().catch(() => undefined)),
      );
      await rm(options.dataRoot, { recursive: true, force: true });
    },
  };
}
