import type { NodeReport, NodeSystemInfo, Taint } from '@peapod/core';
import { type FirmwareProfile, profileLabels } from '@peapod/firmware-profiles';
import { allocatableOf, capacityOf, computeConditions } from './conditions.js';
import { type DeviceInfo, type DeviceReadings, readDeviceInfo, readDeviceReadings } from './readings.js';

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
  now?: () => number;
}

/** Usage is resent when it moved by more than this fraction, or after USAGE_REFRESH_MS. */
const USAGE_CHANGE = 0.1;
const USAGE_REFRESH_MS = 60_000;

/**
 * Builds the node's reports from real readings: the full registration (on every connect), then
 * heartbeats that carry conditions plus only the fields that changed since the last report.
 */
export class NodeReporter {
  private info?: DeviceInfo;
  private lastSent = new Map<string, string>();
  private lastUsage?: { cpuMilli: number; memoryBytes: number; at: number };

  constructor(private readonly options: NodeReporterOptions) {}

  async deviceInfo(): Promise<DeviceInfo> {
    this.info ??= await (this.options.readInfo ?? (() => readDeviceInfo(this.options.nodeIP)))();
    return this.info;
  }

  async registration(): Promise<NodeReportBody> {
    this.lastSent.clear();
    this.lastUsage = undefined;
    const body = await this.snapshot();
    const info = await this.deviceInfo();
    for (const key of ['capacity', 'allocatable', 'nodeInfo', 'addresses'] as const)
      this.lastSent.set(key, JSON.stringify(body[key]));
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

  async heartbeat(): Promise<NodeReportBody> {
    const body = await this.snapshot();
    const report: NodeReportBody = { type: 'heartbeat', conditions: body.conditions };
    for (const key of ['capacity', 'allocatable', 'nodeInfo', 'addresses'] as const) {
      const text = JSON.stringify(body[key]);
      if (this.lastSent.get(key) === text) continue;
      this.lastSent.set(key, text);
      (report as Record<string, unknown>)[key] = body[key];
    }
    if (body.usage) report.usage = body.usage;
    return report;
  }

  private async snapshot(): Promise<NodeReportBody> {
    const { options } = this;
    const info = await this.deviceInfo();
    const readings = await (options.readReadings ?? readDeviceReadings)(options.dataDir);
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
      type: 'heartbeat',
      capacity: capacityOf(readings),
      allocatable: allocatableOf(readings, options.profile.reserved),
      nodeInfo,
      addresses: info.addresses,
      conditions: computeConditions(readings, runtime),
      usage: this.usageIfChanged(readings),
    };
  }

  private usageIfChanged(r: DeviceReadings): NodeReportBody['usage'] {
    const now = (this.options.now ?? Date.now)();
    const usage = { cpuMilli: r.cpuUsageMilli, memoryBytes: r.memoryTotalBytes - r.memoryAvailableBytes };
    const last = this.lastUsage;
    const moved = (a: number, b: number) => Math.abs(a - b) > Math.max(b * USAGE_CHANGE, 1);
    if (
      last &&
      now - last.at < USAGE_REFRESH_MS &&
      !moved(usage.cpuMilli, last.cpuMilli) &&
      !moved(usage.memoryBytes, last.memoryBytes)
    )
      return undefined;
    this.lastUsage = { ...usage, at: now };
    return usage;
  }
}
