import { describe, expect, it } from 'vitest';
import {
  cpuUsageMilli,
  defaultRouteInterface,
  osReleaseField,
  parseCpuTimes,
  parseLoadavgProcesses,
  parseMeminfo,
} from '../src/node/procfs.js';

const STAT_BEFORE = `cpu  100 0 50 800 50 0 0 0 0 0
cpu0 50 0 25 400 25 0 0 0 0 0
cpu1 50 0 25 400 25 0 0 0 0 0
intr 12345
ctxt 999
`;
// 400 more jiffies: 100 user + 50 system busy, 240 idle + 10 iowait.
const STAT_AFTER = `cpu  200 0 100 1040 60 0 0 0 0 0
cpu0 100 0 50 520 30 0 0 0 0 0
cpu1 100 0 50 520 30 0 0 0 0 0
`;

describe('procfs parsers', () => {
  it('reads busy/total jiffies and the core count from /proc/stat', () => {
    expect(parseCpuTimes(STAT_BEFORE)).toEqual({ busy: 150, total: 1000, cores: 2 });
  });

  it('turns two /proc/stat samples into milli-cores of the whole machine', () => {
    const usage = cpuUsageMilli(parseCpuTimes(STAT_BEFORE), parseCpuTimes(STAT_AFTER));
    expect(usage).toBe(Math.round((150 / 400) * 2 * 1000));
    expect(cpuUsageMilli(parseCpuTimes(STAT_AFTER), parseCpuTimes(STAT_AFTER))).toBe(0);
  });

  it('reads MemTotal and MemAvailable, with the old-kernel fallback', () => {
    const text =
      'MemTotal:        2048 kB\nMemFree:          512 kB\nMemAvailable:    1024 kB\nBuffers:  64 kB\nCached: 128 kB\n';
    expect(parseMeminfo(text)).toEqual({ totalBytes: 2048 * 1024, availableBytes: 1024 * 1024 });
    const old = 'MemTotal:        2048 kB\nMemFree:          512 kB\nBuffers:  64 kB\nCached: 128 kB\n';
    expect(parseMeminfo(old).availableBytes).toBe((512 + 64 + 128) * 1024);
  });

  it('reads the process count from /proc/loadavg', () => {
    expect(parseLoadavgProcesses('0.52 0.58 0.59 3/467 12345\n')).toBe(467);
    expect(parseLoadavgProcesses('')).toBe(0);
  });

  it('finds the default-route interface with the lowest metric', () => {
    const route = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
      'podman0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n');
    expect(defaultRouteInterface(route)).toBe('eth0');
    expect(defaultRouteInterface(route.split('\n').slice(0, 1).join('\n'))).toBeUndefined();
  });

  it('reads /etc/os-release fields without their quotes', () => {
    const text = 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';
    expect(osReleaseField(text, 'PRETTY_NAME')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(osReleaseField(text, 'ID')).toBe('debian');
    expect(osReleaseField(text, 'VERSION')).toBeUndefined();
  });
});
