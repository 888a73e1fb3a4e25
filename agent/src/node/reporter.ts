import {
  cpuToMilli,
  memoryToBytes,
  type NodeReport,
  type NodeSystemInfo,
  type NodeUsage,
  type ResourceList,
  type Taint,
} from '@peapod/core';
import { type FirmwareProfile, profileLabels } from '@peapod/firmware-profiles';
import { allocatableOf, capacityOf, computeConditions } from './conditions.js';
import { createDeviceReader, type DeviceInfo, type DeviceReadings, readDeviceInfo } from './readings.js';

export type NodeReportBody = Omit<NodeReport, 'v' | 'instance' | 'connection' | 'sentAt'>;

export interface NodeReporterOptions {
  dataDir: string;
  profile: FirmwareProfile;
  /** User labels (`--labels`), on top of the profile's. */
  labels?: Record<string, string>;
  /** User taints (`--taints`), on top of the profile's; honoured when the Node is created. */
  taints?: Taint[];
  nodeIP?: string;
  /** `podman://4.3.1`; throws when the runtime does not answer (→ Ready=False). */
  runtimeVersion(): Promise<string>;
  /** Shown as the node VERSION column. */
  agentVersion: string;
  /** Injectable for tests. */
  readInfo?: () => Promise<DeviceInfo>;
  readReadings?: (dataDir: string) => Promise<DeviceReadings>;
  /** A status is posted at least this often (default 5 min, Kubernetes nodeStatusReportFrequency). */
  statusReportMs?: number;
  now?: () => number;
}

/** Kubernetes `nodeStatusReportFrequency`: a status is posted at least this often (5 min). */
export const DEFAULT_STATUS_REPORT_MS = 300_000;
/** Usage alone triggers a post when CPU moved by this fraction of the node's cores … */
const USAGE_CPU_FRACTION = 0.25;
/** … or memory by this fraction of its total … */
const USAGE_MEMORY_FRACTION = 0.1;
/** … and the previous usage post is at least this old (bounds what a restless device costs). */
const USAGE_MIN_SPACING_MS = 180_000;

const RESOURCE_FIELDS = ['capacity', 'allocatable', 'nodeInfo', 'addresses'] as const;

/**
 * Builds the node's reports from real readings, the way kubelet posts node status: everything on
 * registration (every connect) and when the hub asks; otherwise, checked every lease interval, a
 * status with the conditions plus only the fields that changed — posted when a condition or a
 * resource changed, when usage moved a lot, or when the report interval ran out (docs/agent.md).
 */
export class NodeReporter {
  private info?: DeviceInfo;
  private readonly readReadings: (dataDir: string) => Promise<DeviceReadings>;
  private lastSent = new Map<string, string>();
  private postedAt = 0;
  private lastUsage?: { cpuMilli: number; memoryBytes: number; at: number };

  constructor(private readonly options: NodeReporterOptions) {
    this.readReadings = options.readReadings ?? createDeviceReader();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async deviceInfo(): Promise<DeviceInfo> {
    this.info ??= await (this.options.readInfo ?? (() => readDeviceInfo(this.options.nodeIP)))();
    return this.info;
  }

  async registration(): Promise<NodeReportBody> {
    const body = await this.fullStatus();
    const info = await this.deviceInfo();
    const { profile } = this.options;
    return {
      ...body,
      type: 'register',
      profile: profile.name,
      labels: {
        ...profileLabels(profile, { arch: info.arch, os: info.os, model: info.model }),
        ...this.options.labels,
      },
      taints: [...profile.taints, ...(this.options.taints ?? [])],
    };
  }

  /** Everything the node reports (the answer to the hub's `node-status` request). */
  async fullStatus(): Promise<NodeReportBody> {
    const { body, usage } = await this.snapshot();
    this.sent(body, usage);
    return { ...body, type: 'status', usage };
  }

  /**
   * Called every lease interval: the status to post now, or undefined when nothing that matters
   * changed (the caller renews the lease instead).
   */
  async due(): Promise<NodeReportBody | undefined> {
    const { body, usage } = await this.snapshot();
    const now = this.now();
    const report: NodeReportBody = { type: 'status' };
    for (const key of RESOURCE_FIELDS)
      if (this.lastSent.get(key) !== JSON.stringify(body[key])) (report as Record<string, unknown>)[key] = body[key];
    const changed =
      Object.keys(report).length > 1 || this.lastSent.get('conditions') !== JSON.stringify(body.conditions);
    if (changed || now - this.postedAt >= (this.options.statusReportMs ?? DEFAULT_STATUS_REPORT_MS)) {
      this.sent(body, usage);
      return { ...report, conditions: body.conditions, usage };
    }
    if (this.usageMoved(usage, body.capacity, now)) {
      this.lastUsage = { ...usage, at: now };
      return { type: 'status', usage };
    }
    return undefined;
  }

  private sent(body: NodeReportBody, usage: NodeUsage): void {
    for (const key of [...RESOURCE_FIELDS, 'conditions'] as const) this.lastSent.set(key, JSON.stringify(body[key]));
    this.postedAt = this.now();
    this.lastUsage = { ...usage, at: this.postedAt };
  }

  private usageMoved(usage: NodeUsage, capacity: ResourceList | undefined, now: number): boolean {
    const last = this.lastUsage;
    if (!last) return true;
    if (now - last.at < USAGE_MIN_SPACING_MS) return false;
    const cpuMilli = cpuToMilli(capacity?.cpu ?? '1');
    const memoryBytes = memoryToBytes(capacity?.memory ?? '0');
    return (
      Math.abs(usage.cpuMilli - last.cpuMilli) >= cpuMilli * USAGE_CPU_FRACTION ||
      Math.abs(usage.memoryBytes - last.memoryBytes) >= memoryBytes * USAGE_MEMORY_FRACTION
    );
  }

  private async snapshot(): Promise<{ body: NodeReportBody; usage: NodeUsage }> {
    const { options } = this;
    const info = await this.deviceInfo();
    const readings = await this.readReadings(options.dataDir);
    let runtimeVersion = '';
    let runtime: { healthy: boolean; message?: string } = { healthy: true };
    try {
      runtimeVersion = await options.runtimeVersion();
    } catch (err) {
      runtime = { healthy: false, message: `container runtime is down: ${(err as Error).message}` };
    }
    const nodeInfo: NodeSystemInfo = {
      machineID: info.machineID,
      systemUUID: info.systemUUID,
      bootID: info.bootID,
      kernelVersion: info.kernelVersion,
      osImage: info.osImage,
      containerRuntimeVersion: runtimeVersion || 'unknown',
      kubeletVersion: options.agentVersion,
      kubeProxyVersion: '',
      operatingSystem: info.os,
      architecture: info.arch,
    };
    return {
      body: {
        type: 'status',
        capacity: capacityOf(readings),
        allocatable: allocatableOf(readings, options.profile.reserved),
        nodeInfo,
        addresses: info.addresses,
        conditions: computeConditions(readings, runtime),
      },
      usage: usageOf(readings),
    };
  }

  /** The device's usage now, for a `node-usage` request (`kubectl top nodes`); no runtime check. */
  async usage(): Promise<NodeUsage> {
    return usageOf(await this.readReadings(this.options.dataDir));
  }
}

function usageOf(readings: DeviceReadings): NodeUsage {
  return { cpuMilli: readings.cpuUsageMilli, memoryBytes: readings.memoryTotalBytes - readings.memoryAvailableBytes };
}
