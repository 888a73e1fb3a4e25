/** `peapod expose deployment|pod|rs|svc NAME --port [--target-port] [--type] [--name] [--protocol]`. */
import { flag, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';
import type { KubeObj } from '../printers/output.js';
import { connect } from '../session.js';
import { objectRefs } from '../target.js';
import { createGenerated } from './create.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: {
    port: '',
    'target-port': '',
    type: '',
    name: '',
    protocol: '',
    selector: '',
    labels: 'l',
    'node-port': '',
    output: 'o',
    'dry-run': '',
    'cluster-ip': '',
  },
  bools: {},
});

interface Exposable extends KubeObj {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    selector?: Record<string, string> & { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    template?: { spec?: { containers?: { ports?: { containerPort: number; protocol?: string }[] }[] } };
    containers?: { ports?: { containerPort: number; protocol?: string }[] }[];
    ports?: { port: number; protocol?: string; targetPort?: number | string }[];
  };
}

function parseKv(s: string): Record<string, string> {
  return Object.fromEntries(s.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** The Service kubectl expose builds for `obj`. */
export function serviceFor(
  obj: Exposable,
  o: {
    port?: string;
    targetPort?: string;
    type?: string;
    name?: string;
    protocol?: string;
    selector?: string;
    labels?: string;
    nodePort?: string;
  },
): KubeObj {
  let selector: Record<string, string> | undefined;
  if (o.selector) selector = parseKv(o.selector);
  else if (obj.kind === 'Pod') selector = obj.metadata.labels;
  else if (obj.kind === 'Service') selector = obj.spec?.selector;
  else {
    if (obj.spec?.selector?.matchExpressions?.length) {
      throw new CliError(
        `couldn't convert expressions - "${JSON.stringify(obj.spec.selector.matchExpressions)}" to map-based selector format`,
      );
    }
    selector = obj.spec?.selector?.matchLabels;
  }
  if (!selector || Object.keys(selector).length === 0) {
    throw new CliError(
      `couldn't retrieve selectors via --selector flag or introspection: the ${obj.kind} has no selector`,
    );
  }
  const containers = obj.kind === 'Pod' ? obj.spec?.containers : obj.spec?.template?.spec?.containers;
  let ports: { name?: string; port: number; protocol: string; targetPort: number | string; nodePort?: number }[];
  const protocol = o.protocol ?? 'TCP';
  const target = (p: number) => (o.targetPort ? (/^\d+$/.test(o.targetPort) ? Number(o.targetPort) : o.targetPort) : p);
  if (o.port) {
    ports = o.port.split(',').map((p) => ({ port: Number(p), protocol, targetPort: target(Number(p)) }));
  } else if (obj.kind === 'Service') {
    ports = (obj.spec?.ports ?? []).map((p) => ({
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      targetPort: o.targetPort ? target(p.port) : (p.targetPort ?? p.port),
    }));
  } else {
    const found = (containers ?? []).flatMap((c) => c.ports ?? []);
    ports = found.map((p) => ({
      port: p.containerPort,
      protocol: p.protocol ?? protocol,
      targetPort: target(p.containerPort),
    }));
  }
  if (ports.length === 0) throw new CliError("couldn't find port via --port flag or introspection");
  if (ports.length > 1) {
    for (const [i, p] of ports.entries()) p.name = `port-${i + 1}`;
  }
  if (o.nodePort) ports[0].nodePort = Number(o.nodePort);
  const spec: Record<string, unknown> = { ports, selector };
  if (o.type) spec.type = o.type;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name ?? obj.metadata.name, labels: o.labels ? parseKv(o.labels) : obj.metadata.labels },
    spec,
  };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const session = await connect(args);
  const refs = objectRefs(args.positionals, session.namespace);
  for (const ref of refs) {
    if (!['deployments', 'replicasets', 'pods', 'services'].includes(ref.t.plural)) {
      throw new CliError(`cannot expose a ${ref.t.kind}`);
    }
    const obj = await session.client.get<Exposable>(ref.path);
    obj.kind ??= ref.t.kind;
    const svc = serviceFor(obj, {
      port: flag(args, 'port'),
      targetPort: flag(args, 'target-port'),
      type: flag(args, 'type'),
      name: flag(args, 'name'),
      protocol: flag(args, 'protocol'),
      selector: flag(args, 'selector'),
      labels: flag(args, 'labels'),
      nodePort: flag(args, 'node-port'),
    });
    const dry = flag(args, 'dry-run');
    if (dry === 'client' || flag(args, 'output')) {
      await createGenerated(session, svc, args, 'kubectl-expose');
      continue;
    }
    await session.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(session.namespace)}/services`, {
      body: { ...svc, metadata: { ...(svc.metadata as object), namespace: session.namespace } },
      query: { fieldManager: 'kubectl-expose' },
    });
    process.stdout.write(`service/${(svc.metadata as { name: string }).name} exposed\n`);
  }
  return 0;
}
