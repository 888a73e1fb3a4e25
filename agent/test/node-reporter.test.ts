import { loadProfile } from '@peapod/firmware-profiles';
import { describe, expect, it } from 'vitest';
import { allocatableOf, capacityOf, computeConditions } from '../src/node/conditions.js';
import type { DeviceInfo, DeviceReadings } from '../src/node/readings.js';
import { readDeviceInfo, readDeviceReadings } from '../src/node/readings.js';
import { NodeReporter } from '../src/node/reporter.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const readings: DeviceReadings = {
  cpuCores: 4,
  cpuUsageMilli: 500,
  memoryTotalBytes: 4 * GiB,
  memoryAvailableBytes: 3 * GiB,
  diskTotalBytes: 32 * GiB,
  diskAvailableBytes: 20 * GiB,
  processes: 200,
  pidMax: 32768,
};

describe('node conditions and resources', () => {
  it('reports healthy conditions with kubelet reasons', () => {
    const c = computeConditions(readings, { healthy: true });
    expect(c.map((x) => [x.type, x.status, x.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
  });

  it('flags pressure at the kubelet hard-eviction thresholds and a dead runtime as NotReady', () => {
    const c = computeConditions(
      { ...readings, memoryAvailableBytes: 99 * MiB, diskAvailableBytes: 3 * GiB, processes: 30_000 },
      { healthy: false, message: 'container runtime is down: podman not found' },
    );
    expect(c.map((x) => x.status)).toEqual(['True', 'True', 'True', 'False']);
    expect(c[3]).toMatchObject({ reason: 'KubeletNotReady', message: 'container runtime is down: podman not found' });
  });

  it('computes allocatable = capacity − reserved − eviction threshold', () => {
    expect(capacityOf(readings)).toEqual({
      cpu: '4',
      memory: `${4 * 1024 * 1024}Ki`,
      'ephemeral-storage': `${32 * 1024 * 1024}Ki`,
      pods: '110',
    });
    const a = allocatableOf(readings, { cpu: '250m', memory: '256Mi' });
    expect(a.cpu).toBe('3750m');
    expect(a.memory).toBe(`${(4 * GiB - 256 * MiB - 100 * MiB) / 1024}Ki`);
    expect(allocatableOf({ ...readings, cpuCores: 1 }, { cpu: '2', memory: '64Gi' })).toMatchObject({
      cpu: '0',
      memory: '0Ki',
    });
  });
});

describe('NodeReporter', () => {
  const info: DeviceInfo = {
    hostname: 'pi',
    arch: 'arm64',
    os: 'linux',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    kernelVersion: '6.6.31',
    model: 'Raspberry Pi 4 Model B Rev 1.4',
    machineID: 'm',
    systemUUID: 'u',
    bootID: 'b',
    cpuCores: 4,
    addresses: [{ type: 'InternalIP', address: '192.168.1.20' }],
  };

  it('registers everything, then heartbeats carry only conditions and what changed', async () => {
    let current = readings;
    let now = 0;
    const reporter = new NodeReporter({
      dataDir: '/tmp',
      profile: loadProfile('raspberry-pi-4'),
      labels: { site: 'barn' },
      taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }],
      runtimeVersion: async () => 'podman://4.3.1',
      agentVersion: 'v0.1.0-peapod',
      readInfo: async () => info,
      readReadings: async () => current,
      now: () => now,
    });
    const reg = await reporter.registration();
    expect(reg.type).toBe('register');
    expect(reg.labels).toMatchObject({
      site: 'barn',
      'peapod.io/profile': 'raspberry-pi-4',
      'kubernetes.io/arch': 'arm64',
    });
    expect(reg.taints).toEqual([{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
    expect(reg.nodeInfo).toMatchObject({ containerRuntimeVersion: 'podman://4.3.1', osImage: info.osImage });
    expect(reg.usage).toEqual({ cpuMilli: 500, memoryBytes: GiB });

    now = 10_000;
    const hb = await reporter.heartbeat();
    expect(Object.keys(hb).sort()).toEqual(['conditions', 'type']);

    current = { ...readings, memoryTotalBytes: 8 * GiB, memoryAvailableBytes: 7 * GiB };
    now = 20_000;
    const changed = await reporter.heartbeat();
    expect(Object.keys(changed).sort()).toEqual(['allocatable', 'capacity', 'conditions', 'type']);
    expect(changed.capacity!.memory).toBe(`${8 * 1024 * 1024}Ki`);

    now = 90_000; // usage is refreshed at least every minute
    expect((await reporter.heartbeat()).usage).toBeDefined();
  });

  it('reads real values from this machine', async () => {
    const i = await readDeviceInfo();
    expect(i.kernelVersion).not.toBe('');
    expect(i.cpuCores).toBeGreaterThan(0);
    expect(i.addresses.some((a) => a.type === 'Hostname')).toBe(true);
    const r = await readDeviceReadings('/tmp');
    expect(r.memoryTotalBytes).toBeGreaterThan(r.memoryAvailableBytes);
    expect(r.diskTotalBytes).toBeGreaterThan(0);
    expect(r.processes).toBeGreaterThan(0);
  });
});
