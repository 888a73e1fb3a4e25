import {
  type DeviceCondition,
  formatBytes,
  formatCpuMilli,
  isApiError,
  type KubeObject,
  type NodeCondition,
  type NodeReport,
  resolveResourceType,
  type WillMessage,
} from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import type { Logger } from '../component.js';
import { rfc3339Seconds } from '../store/object-meta.js';

const NODES = resolveResourceType('nodes')!;

export const UNKNOWN_REASON = 'NodeStatusUnknown';
export const UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
/** JSON list of the node's last disconnects: `[{offline, cause, online?}]`, newest last. */
export const OFFLINE_HISTORY_ANNOTATION = 'peapod.io/offline-history';
/** JSON `{cpu, memory, at}`: the node's latest usage (for `top nodes`). */
export const USAGE_ANNOTATION = 'peapod.io/usage';
const HISTORY_LENGTH = 10;
const PRESSURE_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface OfflineRecord {
  offline: string;
  cause: 'connection-lost' | 'heartbeat-timeout';
  online?: string;
}

export interface NodeStatusOptions {
  service: ResourceService;
  now(): number;
  log: Logger;
  /** No lease renewal nor report for this long → Ready=Unknown (default 50 s, node-monitor-grace-period). */
  gracePeriodMs: number;
  /** Called when a node (re)registers, before its status is written. */
  onRegistered?(nodeName: string): void;
  /**
   * Asks the node's agent for a full status (`node-status` request): a node marked Unknown whose
   * lease is renewed again must report its conditions to become Ready.
   */
  requestStatus?(nodeName: string): void;
}

interface Session {
  instance: string;
  connection: number;
  timer?: NodeJS.Timeout;
  /** The stored Ready condition is Unknown (undefined: not looked up yet). In memory, like the lease. */
  unknown?: boolean;
  /** Agent clock offset: hub time − agent time (ms). */
  clockOffsetMs: number;
}

/** Merges the conditions a device computed with the stored ones, stamping hub times. */
export function stampConditions(
  stored: NodeCondition[] | undefined,
  reported: DeviceCondition[],
  now: string,
): NodeCondition[] {
  const result = [...(stored ?? [])];
  for (const c of reported) {
    const i = result.findIndex((s) => s.type === c.type);
    const previous = i >= 0 ? result[i] : undefined;
    const next: NodeCondition = {
      type: c.type,
      status: c.status,
      lastHeartbeatTime: now,
      lastTransitionTime: previous && previous.status === c.status ? previous.lastTransitionTime : now,
      reason: c.reason,
      message: c.message,
    };
    if (i >= 0) result[i] = next;
    else result.push(next);
  }
  return result;
}

/** Ready and pressure conditions → Unknown (what the node lifecycle controller does on silence). */
export function markConditionsUnknown(stored: NodeCondition[] | undefined, now: string): NodeCondition[] {
  const result = (stored ?? []).map((c) =>
    c.type === 'Ready' || PRESSURE_TYPES.includes(c.type)
      ? {
          ...c,
          status: 'Unknown' as const,
          reason: UNKNOWN_REASON,
          message: UNKNOWN_MESSAGE,
          lastTransitionTime: c.status === 'Unknown' ? c.lastTransitionTime : now,
        }
      : c,
  );
  if (!result.some((c) => c.type === 'Ready'))
    result.push({
      type: 'Ready',
      status: 'Unknown',
      reason: UNKNOWN_REASON,
      message: UNKNOWN_MESSAGE,
      lastTransitionTime: now,
    });
  return result;
}

export function readOfflineHistory(node: KubeObject): OfflineRecord[] {
  try {
    const parsed = JSON.parse(node.metadata.annotations?.[OFFLINE_HISTORY_ANNOTATION] ?? '[]');
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function readyStatus(node: KubeObject): string | undefined {
  return (node.status?.conditions as NodeCondition[] | undefined)?.find((c) => c.type === 'Ready')?.status;
}

/**
 * Node registration, status and liveness: writes each node's own Node object from its status
 * reports (hub time for every timestamp), renews its health on every lease or report (in memory
 * only, like a Kubernetes Lease: no store write per beat), and turns a Last Will or a silent grace
 * period into Ready=Unknown. Health is the newest of lease renewal and status post.
 */
export class NodeStatusTracker {
  private readonly sessions = new Map<string, Session>();
  private stopped = false;

  constructor(private readonly options: NodeStatusOptions) {}

  /** Arms the grace timer for every node the store knows (a hub restart must not hide dead nodes). */
  start(): void {
    for (const node of this.options.service.list(NODES).items) {
      const name = node.metadata.name!;
      if (readyStatus(node) !== 'Unknown') this.session(name, '', 0).unknown = false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sessions.values()) clearTimeout(s.timer);
    this.sessions.clear();
  }

  clockOffsetMs(nodeName: string): number {
    return this.sessions.get(nodeName)?.clockOffsetMs ?? 0;
  }

  handleReport(nodeName: string, report: NodeReport): void {
    const session = this.session(nodeName, report.instance, report.connection);
    session.clockOffsetMs = this.options.now() - report.sentAt;
    if (report.type === 'register') {
      session.instance = report.instance;
      session.connection = report.connection;
      this.options.onRegistered?.(nodeName);
      this.register(nodeName, report);
    } else this.status(nodeName, report, session);
  }

  /** A lease renewal: the node is alive; if it was marked Unknown, ask it for its conditions. */
  handleLease(nodeName: string): void {
    const session = this.session(nodeName, '', 0);
    if (this.isUnknown(nodeName, session)) this.options.requestStatus?.(nodeName);
  }

  private isUnknown(nodeName: string, session: Session): boolean {
    if (session.unknown === undefined) {
      try {
        session.unknown = readyStatus(this.options.service.get(NODES, undefined, nodeName)) === 'Unknown';
      } catch (err) {
        if (!isApiError(err) || err.code !== 404) throw err;
        return false; // not registered (yet): its registration comes on connect
      }
    }
    return session.unknown;
  }

  handleWill(nodeName: string, will: WillMessage): void {
    const session = this.sessions.get(nodeName);
    // A will from an older connection (the agent already reconnected) is stale.
    if (session?.instance && (session.instance !== will.instance || session.connection > will.connection)) return;
    this.markUnknown(nodeName, 'connection-lost');
  }

  private session(nodeName: string, instance: string, connection: number): Session {
    let session = this.sessions.get(nodeName);
    if (!session) {
      session = { instance, connection, clockOffsetMs: 0 };
      this.sessions.set(nodeName, session);
    }
    if (session.timer) session.timer.refresh();
    else if (!this.stopped) {
      session.timer = setTimeout(() => this.markUnknown(nodeName, 'heartbeat-timeout'), this.options.gracePeriodMs);
      session.timer.unref();
    }
    return session;
  }

  private nowIso(): string {
    return rfc3339Seconds(this.options.now());
  }

  private register(nodeName: string, report: NodeReport): void {
    const { service, log } = this.options;
    const now = this.nowIso();
    try {
      let existing: KubeObject | undefined;
      try {
        existing = service.get(NODES, undefined, nodeName);
      } catch (err) {
        if (!isApiError(err) || err.code !== 404) throw err;
      }
      const labels = { ...(report.labels ?? {}), 'kubernetes.io/hostname': nodeName };
      if (!existing) {
        service.create(
          NODES,
          undefined,
          {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: { name: nodeName, labels },
            spec: report.taints?.length ? { taints: report.taints } : {},
          },
          { fieldManager: `node/${nodeName}` },
        );
        log.info('mqtt: node registered', { node: nodeName, profile: report.profile });
      } else {
        const wasOffline = readyStatus(existing) === 'Unknown';
        service.mutate(
          NODES,
          undefined,
          nodeName,
          (node) => {
            node.metadata.labels = { ...(node.metadata.labels ?? {}), ...labels };
            if (wasOffline) closeOfflineRecord(node, now);
            return node;
          },
          { fieldManager: `node/${nodeName}` },
        );
      }
      this.writeStatus(nodeName, report, now);
      const session = this.sessions.get(nodeName);
      if (session) session.unknown = false;
    } catch (err) {
      log.error('mqtt: node registration failed', { node: nodeName, error: String(err) });
    }
  }

  private status(nodeName: string, report: NodeReport, session: Session): void {
    const now = this.nowIso();
    try {
      const node = this.options.service.get(NODES, undefined, nodeName);
      const unknown = readyStatus(node) === 'Unknown';
      if (unknown)
        this.options.service.mutate(NODES, undefined, nodeName, (n) => closeOfflineRecord(n, now), {
          fieldManager: `node/${nodeName}`,
        });
      this.writeStatus(nodeName, report, now);
      // Only conditions the device reports are refreshed: a report without Ready (usage only) does
      // not end an Unknown, so the agent is asked for everything.
      const readyReported = report.conditions?.some((c) => c.type === 'Ready') ?? false;
      session.unknown = unknown && !readyReported;
      if (session.unknown) this.options.requestStatus?.(nodeName);
    } catch (err) {
      if (isApiError(err) && err.code === 404)
        this.options.log.warn('mqtt: node status for an unregistered node ignored', { node: nodeName });
      else this.options.log.error('mqtt: node status failed', { node: nodeName, error: String(err) });
    }
  }

  private writeStatus(nodeName: string, report: NodeReport, now: string): void {
    const { service } = this.options;
    if (report.usage) {
      const usage = JSON.stringify({
        cpu: formatCpuMilli(report.usage.cpuMilli),
        memory: formatBytes(report.usage.memoryBytes),
        at: now,
      });
      service.mutate(
        NODES,
        undefined,
        nodeName,
        (node) => {
          node.metadata.annotations = { ...(node.metadata.annotations ?? {}), [USAGE_ANNOTATION]: usage };
          return node;
        },
        { fieldManager: `node/${nodeName}` },
      );
    }
    service.mutate(
      NODES,
      undefined,
      nodeName,
      (node) => {
        const status = { ...(node.status ?? {}) };
        if (report.capacity) status.capacity = report.capacity;
        if (report.allocatable) status.allocatable = report.allocatable;
        if (report.nodeInfo) status.nodeInfo = report.nodeInfo;
        if (report.addresses) status.addresses = report.addresses;
        const conditions = report.conditions ?? [];
        status.conditions = stampConditions(status.conditions, conditions, now);
        // Conditions the device did not mention this time are still alive: refresh their heartbeat.
        for (const c of status.conditions as NodeCondition[])
          if (c.status !== 'Unknown' || conditions.some((r) => r.type === c.type)) c.lastHeartbeatTime = now;
        node.status = status;
        return node;
      },
      { status: true, fieldManager: `node/${nodeName}` },
    );
  }

  private markUnknown(nodeName: string, cause: OfflineRecord['cause']): void {
    const session = this.sessions.get(nodeName);
    if (session) {
      clearTimeout(session.timer);
      session.timer = undefined;
    }
    if (this.stopped) return;
    const { service, log } = this.options;
    const now = this.nowIso();
    try {
      const node = service.get(NODES, undefined, nodeName);
      if (session) session.unknown = true;
      if (readyStatus(node) === 'Unknown') return;
      service.mutate(
        NODES,
        undefined,
        nodeName,
        (n) => {
          const history = readOfflineHistory(n);
          history.push({ offline: now, cause });
          n.metadata.annotations = {
            ...(n.metadata.annotations ?? {}),
            [OFFLINE_HISTORY_ANNOTATION]: JSON.stringify(history.slice(-HISTORY_LENGTH)),
          };
          return n;
        },
        { fieldManager: 'peapod-node-monitor' },
      );
      service.mutate(
        NODES,
        undefined,
        nodeName,
        (n) => {
          n.status = { ...(n.status ?? {}), conditions: markConditionsUnknown(n.status?.conditions, now) };
          return n;
        },
        { status: true, fieldManager: 'peapod-node-monitor' },
      );
      log.warn('mqtt: node status unknown', { node: nodeName, cause });
    } catch (err) {
      if (!isApiError(err) || err.code !== 404)
        log.error('mqtt: marking node unknown failed', { node: nodeName, error: String(err) });
    }
  }
}

function closeOfflineRecord(node: KubeObject, now: string): KubeObject {
  const history = readOfflineHistory(node);
  const last = history[history.length - 1];
  if (last && !last.online) {
    last.online = now;
    node.metadata.annotations = {
      ...(node.metadata.annotations ?? {}),
      [OFFLINE_HISTORY_ANNOTATION]: JSON.stringify(history),
    };
  }
  return node;
}
