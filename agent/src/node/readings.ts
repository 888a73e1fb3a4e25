import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { hostname, networkInterfaces, platform, release } from 'node:os';
import type { NodeAddress } from '@peapod/core';
import { kubernetesArch, readDeviceModel } from '@peapod/firmware-profiles';
import {
  type CpuTimes,
  cpuUsageMilli,
  defaultRouteInterface,
  osReleaseField,
  parseCpuTimes,
  parseLoadavgProcesses,
  parseMeminfo,
} from './procfs.js';

/** What the device is (read once at start). */
export interface DeviceInfo {
  hostname: string;
  arch: string;
  os: string;
  osImage: string;
  kernelVersion: string;
  model?: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  cpuCores: number;
  addresses: NodeAddress[];
}

/** What the device has right now (read every lease interval). */
export interface DeviceReadings {
  cpuCores: number;
  /** Whole-machine CPU use in milli-cores. */
  cpuUsageMilli: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  /** The filesystem holding the agent data dir (where pods' data lives). */
  diskTotalBytes: number;
  diskAvailableBytes: number;
  processes: number;
  pidMax: number;
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const text = readTrimmed('/etc/os-release');
  const pretty = osReleaseField(text, 'PRETTY_NAME');
  if (pretty) return pretty;
  return [osReleaseField(text, 'NAME'), osReleaseField(text, 'VERSION')].filter(Boolean).join(' ') || 'Linux';
}

/** The IPv4 address of the default-route interface, else of the first external interface. */
function primaryIPv4(): string | undefined {
  const all = networkInterfaces();
  const ipv4 = (name: string) => all[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const route = defaultRouteInterface(readTrimmed('/proc/net/route'));
  const fromRoute = route ? ipv4(route) : undefined;
  return fromRoute ?? Object.keys(all).map(ipv4).find(Boolean);
}

/** DMI vendor and product (x86), when the device tree has no model. */
function dmiModel(): string | undefined {
  const parts = [readTrimmed('/sys/class/dmi/id/sys_vendor'), readTrimmed('/sys/class/dmi/id/product_name')];
  return parts.filter(Boolean).join(' ') || undefined;
}

function cpuTimes(): CpuTimes {
  return parseCpuTimes(readTrimmed('/proc/stat'));
}

export async function readDeviceInfo(nodeIP?: string): Promise<DeviceInfo> {
  const addresses: NodeAddress[] = [];
  const ip = nodeIP ?? primaryIPv4();
  if (ip) addresses.push({ type: 'InternalIP', address: ip });
  addresses.push({ type: 'Hostname', address: hostname() });
  return {
    hostname: hostname(),
    arch: kubernetesArch(),
    os: platform(),
    osImage: osImage(),
    kernelVersion: release(),
    model: readDeviceModel() ?? dmiModel(),
    machineID: readTrimmed('/etc/machine-id'),
    systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid'),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
    cpuCores: cpuTimes().cores,
    addresses,
  };
}

/**
 * A reader of the device's readings. CPU usage is measured between two readings of the same reader
 * (since boot at first), so each reporter owns one (hollow nodes share a process).
 */
export function createDeviceReader(): (dataDir: string) => Promise<DeviceReadings> {
  let lastCpu: CpuTimes = { busy: 0, total: 0, cores: 1 };
  return async (dataDir) => {
    const fs = await statfs(dataDir);
    const cpu = cpuTimes();
    const usage = cpuUsageMilli(lastCpu, cpu);
    lastCpu = cpu;
    const mem = parseMeminfo(readTrimmed('/proc/meminfo'));
    return {
      cpuCores: cpu.cores,
      cpuUsageMilli: usage,
      memoryTotalBytes: mem.totalBytes,
      memoryAvailableBytes: mem.availableBytes,
      diskTotalBytes: fs.blocks * fs.bsize,
      diskAvailableBytes: fs.bavail * fs.bsize,
      processes: parseLoadavgProcesses(readTrimmed('/proc/loadavg')),
      pidMax: Number(readTrimmed('/proc/sys/kernel/pid_max')) || 32768,
    };
  };
}

/** One shared reader (CPU usage since the previous call of anyone in the process). */
export const readDeviceReadings = createDeviceReader();
