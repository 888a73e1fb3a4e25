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

  it('registers everything, then posts status only on change, big usage moves and every 5 min', async () => {
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

    // Idle: nothing that matters changed → no status (the agent renews its lease instead).
    now = 10_000;
    expect(await reporter.due()).toBeUndefined();
    current = { ...readings, cpuUsageMilli: 900 }; // usage moved, but not by a quarter of the cores
    now = 200_000;
    expect(await reporter.due()).toBeUndefined();

    // A resource changed → status with the conditions, what changed and the usage.
    current = { ...readings, memoryTotalBytes: 8 * GiB, memoryAvailableBytes: 7 * GiB };
    now = 210_000;
    const changed = await reporter.due();
    expect(Object.keys(changed!).sort()).toEqual(['allocatable', 'capacity', 'conditions', 'type', 'usage']);
    expect(changed!.type).toBe('status');
    expect(changed!.capacity!.memory).toBe(`${8 * 1024 * 1024}Ki`);
    now = 220_000;
    expect(await reporter.due()).toBeUndefined();

    // A condition changed (memory pressure) → status at once.
    current = { ...current, memoryAvailableBytes: 50 * MiB };
    now = 230_000;
    const pressure = await reporter.due();
    expect(pressure!.conditions!.find((c) => c.type === 'MemoryPressure')!.status).toBe('True');
    expect(pressure!.capacity).toBeUndefined();

    // Usage alone: a big move posts just the usage, at most every three minutes.
    current = { ...current, memoryAvailableBytes: 7 * GiB, cpuUsageMilli: 3500 };
    now = 240_000;
    const back = await reporter.due(); // the pressure ended: a condition change
    expect(back!.conditions).toBeDefined();
    current = { ...current, cpuUsageMilli: 100 };
    now = 400_000;
    expect(await reporter.due()).toBeUndefined(); // moved, but the last post is < 3 min old
    now = 420_000;
    expect(await reporter.due()).toEqual({ type: 'status', usage: { cpuMilli: 100, memoryBytes: GiB } });

    // The report interval (5 min since the last status post) → status even with nothing new.
    now = 500_000;
    expect(await reporter.due()).toBeUndefined();
    now = 540_000;
    const periodic = await reporter.due();
    expect(Object.keys(periodic!).sort()).toEqual(['conditions', 'type', 'usage']);

    // The hub's request gets everything.
    const full = await reporter.fullStatus();
    expect(Object.keys(full).sort()).toEqual([
      'addresses',
      'allocatable',
      'capacity',
      'conditions',
      'nodeInfo',
      'type',
      'usage',
    ]);
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
