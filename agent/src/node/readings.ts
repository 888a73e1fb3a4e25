import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { NodeAddress } from '@peapod/core';
import { kubernetesArch, readDeviceModel } from '@peapod/firmware-profiles';
import si from 'systeminformation';

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

/** What the device has right now (read every heartbeat). */
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

function osImage(fallback: string): string {
  const line = readTrimmed('/etc/os-release')
    .split('\n')
    .find((l) => l.startsWith('PRETTY_NAME='));
  return line ? line.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '') : fallback;
}

export async function readDeviceInfo(nodeIP?: string): Promise<DeviceInfo> {
  const [os, system, cpu, interfaces] = await Promise.all([si.osInfo(), si.system(), si.cpu(), si.networkInterfaces()]);
  const list = Array.isArray(interfaces) ? interfaces : [interfaces];
  const primary = list.find((i) => i.default && i.ip4) ?? list.find((i) => !i.internal && i.ip4);
  const addresses: NodeAddress[] = [];
  const ip = nodeIP ?? primary?.ip4;
  if (ip) addresses.push({ type: 'InternalIP', address: ip });
  addresses.push({ type: 'Hostname', address: hostname() });
  return {
    hostname: hostname(),
    arch: kubernetesArch(),
    os: os.platform === 'linux' ? 'linux' : os.platform,
    osImage: osImage(`${os.distro} ${os.release}`.trim()),
    kernelVersion: os.kernel,
    model: readDeviceModel() ?? ([system.manufacturer, system.model].filter(Boolean).join(' ') || undefined),
    machineID: readTrimmed('/etc/machine-id') || os.serial || '',
    systemUUID: system.uuid || readTrimmed('/sys/class/dmi/id/product_uuid') || '',
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
    cpuCores: cpu.cores,
    addresses,
  };
}

export async function readDeviceReadings(dataDir: string): Promise<DeviceReadings> {
  const [load, mem, fs] = await Promise.all([si.currentLoad(), si.mem(), statfs(dataDir)]);
  const cpuCores = load.cpus.length || 1;
  // /proc/loadavg: "0.10 0.20 0.30 running/total lastpid"
  const processes = Number(readTrimmed('/proc/loadavg').split(' ')[3]?.split('/')[1] ?? 0);
  return {
    cpuCores,
    cpuUsageMilli: Math.round((load.currentLoad / 100) * cpuCores * 1000),
    memoryTotalBytes: mem.total,
    memoryAvailableBytes: mem.available,
    diskTotalBytes: fs.blocks * fs.bsize,
    diskAvailableBytes: fs.bavail * fs.bsize,
    processes,
    pidMax: Number(readTrimmed('/proc/sys/kernel/pid_max')) || 32768,
  };
}
