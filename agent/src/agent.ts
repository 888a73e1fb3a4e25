import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { nodeUsername, type Pod, type ServiceTable, serviceEnvironment } from '@peapod/core';
import { detectProfile, type FirmwareProfile, loadProfile } from '@peapod/firmware-profiles';
import type { QueuedStatus } from './cache/local-store.js';
import type { AgentConfig } from './config.js';
import { DEFAULT_STATUS_REPORT_MS, NodeReporter, type NodeReporterOptions } from './node/reporter.js';
import { RuntimeHealth } from './node/runtime-health.js';
import { OfflineCache } from './offline/offline-cache.js';
import { createPodManager } from './pods/manager.js';
import type { PodManager, PodStatusUpdate } from './pods/types.js';
import type { RuntimeDriver } from './runtime/driver.js';
import { PodmanDriver } from './runtime/podman.js';
import { AgentServices, DEFAULT_RELAY_PORT } from './services/agent-services.js';
import { joinHub, readCredential, type StoredCredential, writeCredential } from './transport/join.js';
import { AgentTransport, type TransportLogger } from './transport/mqtt-transport.js';
import { RequestHandler } from './transport/request-handler.js';

export const AGENT_VERSION = 'v0.1.0-peapod';

export interface AgentLogger extends TransportLogger {
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface AgentOptions extends Partial<AgentConfig> {
  hub: string;
  nodeName: string;
  dataDir: string;
  /** Injected runtime (tests, the fleet simulator); default from `runtime`. */
  driver?: RuntimeDriver;
  /** Injected pod engine; default createPodManager over the driver. */
  podManager?: PodManager;
  /** Injected device readings (the fleet simulator's idle devices); default: this machine's. */
  readReadings?: NodeReporterOptions['readReadings'];
  /** Service proxy, relay and ClusterIP rules (docs/services.md). Default true; hollow nodes turn it off. */
  services?: boolean;
  log?: AgentLogger;
  /**
   * Offline autonomy (docs/offline.md): cache the desired set and hold status changes in
   * `<dataDir>/agent-cache.db`. Default true; ignored when `hooks` are given.
   */
  offlineCache?: boolean;
  /**
   * Offline-autonomy hooks (issue 8): `initialDesired` runs before the hub is reached (pods from the
   * local cache); `desiredChanged` sees every complete desired set the hub sends.
   */
  hooks?: {
    initialDesired?(): Pod[] | undefined;
    desiredChanged?(pods: Pod[]): void;
    /**
     * A status update the broker acknowledged (PUBACK). Updates published while offline wait in the
     * MQTT client's queue and are acknowledged after the reconnect; a persistent queue can drop them
     * here. Note: the hub orders reports per agent process (instance + sequence); re-sending a
     * previous process's queued updates must happen before the current process reports.
     */
    statusAcknowledged?(update: PodStatusUpdate, instance: string): void;
    /** While the link is down, status changes go here instead of the MQTT client's memory queue. */
    holdStatus?(update: PodStatusUpdate, instance: string): void;
    /** On every connection, after registration: held changes to publish (in order) before the resync. */
    heldStatuses?(current: PodStatusUpdate[], instance: string): QueuedStatus[];
    /** The agent stops. */
    close?(): void;
  };
}

export interface AgentHandle {
  nodeName: string;
  profile: FirmwareProfile;
  transport: AgentTransport;
  podManager: PodManager;
  /** Stops the agent; containers keep running (agent shutdown ≠ pod deletion). */
  stop(): Promise<void>;
}

export function consoleLogger(prefix = 'agent'): AgentLogger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, component: prefix, message, ...fields })}\n`,
    );
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

/** Uses the stored credential, else a pre-provisioned password, else joins with the token (once). */
async function credentialFor(options: AgentOptions, caPem: string | undefined): Promise<StoredCredential> {
  const stored = readCredential(options.dataDir);
  if (stored) {
    if (stored.nodeName !== options.nodeName)
      throw new Error(
        `this device joined as "${stored.nodeName}"; remove ${options.dataDir}/credential.json to join as "${options.nodeName}"`,
      );
    return stored;
  }
  const password =
    options.password ?? (options.passwordFile ? readFileSync(options.passwordFile, 'utf8').trim() : undefined);
  if (password)
    return { nodeName: options.nodeName, username: nodeUsername(options.nodeName), password, url: options.hub, caPem };
  if (!options.token) throw new Error('first start: --token is required to join the hub');
  const credential = await joinHub({ url: options.hub, token: options.token, nodeName: options.nodeName, caPem });
  writeCredential(options.dataDir, credential);
  return credential;
}

/** The docker driver is loaded only on a docker node (a podman agent keeps ~1 MiB less). */
async function createDriver(options: AgentOptions): Promise<RuntimeDriver> {
  if (options.runtime === 'docker') {
    const { DockerDriver } = await import('./runtime/docker.js');
    return new DockerDriver({
      socketPath: process.env.DOCKER_HOST?.replace(/^unix:\/\//, '') || '/var/run/docker.sock',
    });
  }
  // podman runs in its own work dir: a relative config path must be made absolute first.
  return new PodmanDriver({ containersConf: options.containersConf && resolve(options.containersConf) });
}

/**
 * The agent's composition root: profile → credential → runtime driver → pod manager → MQTT
 * transport, wired so the hub's desired set drives the pod manager and everything the pod manager
 * observes flows back to the hub.
 */
export async function startAgent(options: AgentOptions): Promise<AgentHandle> {
  const log = options.log ?? consoleLogger(`agent/${options.nodeName}`);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const hooks = options.hooks ?? (options.offlineCache === false ? undefined : offlineHooks(options.dataDir, log));
  const profile = options.profile ? loadProfile(options.profile) : detectProfile();
  const configuredCa = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
  const credential = await credentialFor(options, configuredCa);

  const driver = options.driver ?? (await createDriver(options));
  const runtimeHealth = new RuntimeHealth({
    check: async () => `${driver.name}://${await driver.version()}`,
    streamEnds: driver.eventStreamEnds && (() => driver.eventStreamEnds?.() ?? 0),
  });
  const reporter = new NodeReporter({
    dataDir: options.dataDir,
    profile,
    labels: options.labels,
    taints: options.taints,
    nodeIP: options.nodeIP,
    readReadings: options.readReadings,
    runtimeVersion: () => runtimeHealth.version(),
    agentVersion: AGENT_VERSION,
    statusReportMs:
      (options.nodeStatusReportSeconds ?? profile.nodeStatusReportIntervalSeconds ?? DEFAULT_STATUS_REPORT_MS / 1000) *
      1000,
  });
  const info = await reporter.deviceInfo();
  const hostIP = info.addresses.find((a) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
  let serviceTable: ServiceTable | undefined;
  const podManager =
    options.podManager ??
    createPodManager({
      driver,
      nodeName: options.nodeName,
      hostIP,
      dataDir: options.dataDir,
      serviceEnv: (namespace) => serviceEnvironment(serviceTable, namespace),
    });
  await podManager.start();
  const cached = hooks?.initialDesired?.();
  if (cached) podManager.sync(cached);
  const services = options.services === false ? undefined : await startServices(options, hostIP, log);

  const transport = new AgentTransport({
    url: options.hub,
    nodeName: options.nodeName,
    password: credential.password,
    caPem: configuredCa ?? credential.caPem,
    keepaliveSeconds: options.keepaliveSeconds,
    log,
  });
  const requests = new RequestHandler(podManager, (r) => transport.respond(r), driver);
  const unsubscribe = [
    podManager.onStatus((update) => {
      if (!transport.connected && hooks?.holdStatus) return hooks.holdStatus(update, transport.instance);
      void transport
        .publishPodStatus([update])
        .then((acked) => acked && hooks?.statusAcknowledged?.(update, transport.instance));
    }),
    podManager.onRemoved((pod) => void transport.publishRemoved([pod])),
    podManager.onEvent?.(({ time: _agentClock, ...event }) => void transport.publishPodEvents([event])) ?? (() => {}),
  ];
  transport.onDesired((pods) => {
    hooks?.desiredChanged?.(pods);
    podManager.sync(pods);
  });
  transport.onRequest((request) => {
    if (request.kind === 'node-usage') {
      reporter
        .usage()
        .then((usage) => transport.respond({ id: request.id, seq: 0, type: 'node-usage', usage }))
        .catch((err) =>
          transport.respond({ id: request.id, seq: 0, type: 'error', error: `reading usage failed: ${String(err)}` }),
        );
      return;
    }
    if (request.kind !== 'node-status') return requests.handle(request);
    // The hub lost track of this node (e.g. marked it Unknown while the link stayed up): tell it all.
    reporter
      .fullStatus()
      .then((report) => transport.publishNodeReport(report))
      .catch((err) => log.warn('node status failed', { error: String(err) }));
  });
  transport.onServiceTable((table) => {
    serviceTable = table;
    services?.update(table);
  });
  transport.onConnect(() => {
    reporter
      .registration()
      .then((report) => transport.publishNodeReport(report))
      .then(() => publishHeld())
      .then(() => transport.publishPodStatus(podManager.statuses()))
      .catch((err) => log.error('registration failed', { error: String(err) }));
  });

  /** Held changes, each under the instance of the process that saw it, in order. */
  async function publishHeld(): Promise<void> {
    for (const entry of hooks?.heldStatuses?.(podManager.statuses(), transport.instance) ?? [])
      if (await transport.publishPodStatus([entry.update], entry.instance))
        hooks?.statusAcknowledged?.(entry.update, entry.instance);
  }

  // Every lease interval: post the node status when it is due (changed, or the report interval ran
  // out), else renew the lease. Nothing is queued while offline: the reconnect registers afresh.
  const leaseMs = (options.leaseSeconds ?? options.heartbeatSeconds ?? profile.leaseIntervalSeconds) * 1000;
  let beating = false;
  const lease = setInterval(() => {
    if (!transport.connected || beating) return;
    beating = true;
    reporter
      .due()
      .then((report) => (report ? transport.publishNodeReport(report) : transport.renewLease()))
      .catch((err) => log.warn('node status failed', { error: String(err) }))
      .finally(() => {
        beating = false;
      });
  }, leaseMs);

  transport.start();
  log.info('agent started', { node: options.nodeName, profile: profile.name, hub: options.hub });

  return {
    nodeName: options.nodeName,
    profile,
    transport,
    podManager,
    async stop() {
      clearInterval(lease);
      for (const u of unsubscribe) u();
      await transport.stop();
      await services?.stop();
      await podManager.stop();
      hooks?.close?.();
    },
  };
}

/** The Service data path; a node that cannot open its relay runs without it (and says so). */
async function startServices(
  options: AgentOptions,
  hostIP: string,
  log: AgentLogger,
): Promise<AgentServices | undefined> {
  const services = new AgentServices({
    nodeName: options.nodeName,
    listenHost: hostIP,
    relayPort: options.relayPort ?? DEFAULT_RELAY_PORT,
    clusterIPs: options.clusterIPs ?? true,
    log,
  });
  try {
    await services.start();
    return services;
  } catch (error) {
    log.warn('services: relay unavailable; this node will not proxy Services', { error: String(error) });
    return undefined;
  }
}

/** The default hooks: the SQLite offline cache in the data directory. */
function offlineHooks(dataDir: string, log: AgentLogger): NonNullable<AgentOptions['hooks']> {
  const cache = OfflineCache.open({ dataDir, log });
  return {
    initialDesired: () => cache.initialDesired(),
    desiredChanged: (pods) => cache.desiredChanged(pods),
    statusAcknowledged: (update, instance) => cache.acknowledged(update, instance),
    holdStatus: (update, instance) => cache.hold(update, instance),
    heldStatuses: (current, instance) => cache.heldStatuses(current, instance),
    close: () => cache.close(),
  };
}

export {
  type AgentConfig,
  brokerUrl,
  DEFAULT_AGENT_DATA_DIR,
  parseAgentFlags,
  parseLabels,
  parseTaints,
} from './config.js';
export { joinHub, readCredential } from './transport/join.js';
export { AgentTransport } from './transport/mqtt-transport.js';
