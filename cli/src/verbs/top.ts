/**
 * `peapod top nodes|pods`: reads metrics.k8s.io when the hub serves it; for nodes it falls back to
 * the usage the agents report, which the hub keeps in the node annotation `peapod.io/usage`
 * (`{"cpu":"250m","memory":"64Mi","at":…}`).
 */
import { bool, flag, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { type Client, StatusError } from '../client.js';
import { CliError } from '../errors.js';
import { formatRows } from '../printers/tabwriter.js';
import { resourcePath, resourceType } from '../resources.js';
import { connect } from '../session.js';

/** Where the hub stores the usage each agent reports (hub/src/mqtt/node-status.ts USAGE_ANNOTATION). */
const USAGE_ANNOTATION = 'peapod.io/usage';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { selector: 'l', 'sort-by': '' },
  bools: { 'all-namespaces': 'A', 'no-headers': '', containers: '' },
});

interface Usage {
  cpu?: string;
  memory?: string;
}
interface MetricsItem {
  metadata: { name: string; namespace?: string };
  usage?: Usage;
  containers?: { name: string; usage: Usage }[];
}

async function metricsList(client: Client, path: string, labelSelector?: string): Promise<MetricsItem[] | undefined> {
  try {
    const res = await client.get<{ items: MetricsItem[] }>(path, { labelSelector });
    return res.items ?? [];
  } catch (e) {
    if (e instanceof StatusError && (e.httpCode === 404 || e.httpCode === 503)) return undefined;
    throw e;
  }
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, SPEC);
  const session = await connect(args);
  const { client } = session;
  const { cpuToMilli, memoryToBytes } = await import('@peapod/core');
  const noHeaders = bool(args, 'no-headers');
  const mi = (b: number) => `${Math.floor(b / (1024 * 1024))}Mi`;
  if (sub === 'node' || sub === 'nodes' || sub === 'no') {
    const nodes = await client.get<{
      items: {
        metadata: { name: string; annotations?: Record<string, string> };
        status?: { allocatable?: Usage; capacity?: Usage };
      }[];
    }>(resourcePath(resourceType('nodes')), { labelSelector: flag(args, 'selector') });
    const metrics = await metricsList(client, '/apis/metrics.k8s.io/v1beta1/nodes', flag(args, 'selector'));
    const rows: string[][] = noHeaders ? [] : [['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']];
    let any = false;
    for (const n of nodes.items) {
      if (args.positionals.length && !args.positionals.includes(n.metadata.name)) continue;
      let usage = metrics?.find((m) => m.metadata.name === n.metadata.name)?.usage;
      const reported = n.metadata.annotations?.[USAGE_ANNOTATION];
      if (!usage && reported) usage = JSON.parse(reported) as Usage;
      const alloc = n.status?.allocatable ?? n.status?.capacity ?? {};
      if (!usage?.cpu && !usage?.memory) {
        rows.push([n.metadata.name, '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
        continue;
      }
      any = true;
      const cpu = usage.cpu ? cpuToMilli(usage.cpu) : 0;
      const mem = usage.memory ? memoryToBytes(usage.memory) : 0;
      const allocCpu = alloc.cpu ? cpuToMilli(alloc.cpu) : 0;
      const allocMem = alloc.memory ? memoryToBytes(alloc.memory) : 0;
      rows.push([
        n.metadata.name,
        `${cpu}m`,
        allocCpu ? `${Math.trunc((cpu / allocCpu) * 100)}%` : '<unknown>',
        mi(mem),
        allocMem ? `${Math.trunc((mem / allocMem) * 100)}%` : '<unknown>',
      ]);
    }
    if (!any && !metrics) throw new CliError('Metrics API not available');
    process.stdout.write(formatRows(rows));
    return 0;
  }
  if (sub === 'pod' || sub === 'pods' || sub === 'po') {
    const allNs = bool(args, 'all-namespaces');
    const path = allNs
      ? '/apis/metrics.k8s.io/v1beta1/pods'
      : `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(session.namespace)}/pods`;
    const metrics = await metricsList(client, path, flag(args, 'selector'));
    if (!metrics) throw new CliError('Metrics API not available');
    const items = metrics.filter((m) => !args.positionals.length || args.positionals.includes(m.metadata.name));
    if (items.length === 0) {
      process.stderr.write(allNs ? 'No resources found\n' : `No resources found in ${session.namespace} namespace.\n`);
      return 0;
    }
    const containers = bool(args, 'containers');
    const header = [
      ...(allNs ? ['NAMESPACE'] : []),
      'NAME',
      ...(containers ? ['CONTAINER'] : []),
      'CPU(cores)',
      'MEMORY(bytes)',
    ];
    const rows: string[][] = noHeaders ? [] : [header];
    for (const m of items) {
      const parts = containers
        ? (m.containers ?? []).map((c) => ({ c: c.name, u: c.usage }))
        : [{ c: '', u: sumUsage(m, cpuToMilli, memoryToBytes) }];
      for (const p of parts) {
        rows.push([
          ...(allNs ? [m.metadata.namespace ?? ''] : []),
          m.metadata.name,
          ...(containers ? [p.c] : []),
          `${p.u.cpu ? cpuToMilli(p.u.cpu) : 0}m`,
          mi(p.u.memory ? memoryToBytes(p.u.memory) : 0),
        ]);
      }
    }
    process.stdout.write(formatRows(rows));
    return 0;
  }
  throw new CliError(`unknown command "${sub ?? ''}" for "peapod top" (use nodes or pods)`);
}

function sumUsage(m: MetricsItem, cpuToMilli: (q: string) => number, memoryToBytes: (q: string) => number): Usage {
  if (m.usage) return m.usage;
  let cpu = 0;
  let mem = 0;
  for (const c of m.containers ?? []) {
    cpu += c.usage.cpu ? cpuToMilli(c.usage.cpu) : 0;
    mem += c.usage.memory ? memoryToBytes(c.usage.memory) : 0;
  }
  return { cpu: `${cpu}m`, memory: String(mem) };
}
