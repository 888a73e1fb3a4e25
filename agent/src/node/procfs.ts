/**
 * Parsers for the Linux text files the node reporter reads (/proc/stat, /proc/meminfo,
 * /proc/loadavg, /proc/net/route, /etc/os-release). Pure: text in, numbers out.
 */

/** Aggregate CPU jiffies from /proc/stat: busy and total, plus the number of `cpuN` lines. */
export interface CpuTimes {
  busy: number;
  total: number;
  cores: number;
}

export function parseCpuTimes(stat: string): CpuTimes {
  const lines = stat.split('\n');
  const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length;
  const fields = (lines.find((l) => l.startsWith('cpu ')) ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice — already counted in user/nice]
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  return { busy: total - idleAll, total, cores: Math.max(cores, 1) };
}

/** Whole-machine CPU use between two samples, in milli-cores. */
export function cpuUsageMilli(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  const busy = Math.max(after.busy - before.busy, 0);
  return Math.round((busy / total) * after.cores * 1000);
}

/** MemTotal and MemAvailable in bytes (MemFree + Buffers + Cached on kernels without MemAvailable). */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kib.set(m[1]!, Number(m[2]));
  }
  const value = (key: string) => kib.get(key) ?? 0;
  const available = kib.get('MemAvailable') ?? value('MemFree') + value('Buffers') + value('Cached');
  return { totalBytes: value('MemTotal') * 1024, availableBytes: available * 1024 };
}

/** Number of processes (threads) from /proc/loadavg: "0.10 0.20 0.30 running/total lastpid". */
export function parseLoadavgProcesses(text: string): number {
  return Number(text.trim().split(/\s+/)[3]?.split('/')[1] ?? 0) || 0;
}

/** The interface of the IPv4 default route in /proc/net/route (lowest metric), if any. */
export function defaultRouteInterface(route: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of route.split('\n').slice(1)) {
    const [iface, destination, , , , , metric, mask] = line.trim().split(/\s+/);
    if (!iface || destination !== '00000000' || mask !== '00000000') continue;
    const m = Number(metric);
    if (!best || m < best.metric) best = { iface, metric: m };
  }
  return best?.iface;
}

/** A key of /etc/os-release with its quotes removed. */
export function osReleaseField(text: string, key: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${key}=`));
  return line?.slice(key.length + 1).replace(/^["']|["']$/g, '');
}
