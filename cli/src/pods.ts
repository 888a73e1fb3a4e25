/** Picking pods and containers for logs/exec: `pod`, `deploy/x`, `rs/x`, `svc/x`, and default containers. */
import { type Client, StatusError } from './client.js';
import { CliError } from './errors.js';
import type { KubeObj } from './printers/output.js';
import { resourcePath, resourceType } from './resources.js';

export interface PodLike extends KubeObj {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean; uid?: string }[];
    deletionTimestamp?: string;
  };
  spec: {
    containers: { name: string }[];
    initContainers?: { name: string }[];
    nodeName?: string;
    volumes?: { name: string; emptyDir?: unknown }[];
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
  };
}

function selectorString(sel: Record<string, string>): string {
  return Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** kubectl's ActivePods ordering, most attachable first: running, ready, older. */
function rank(p: PodLike): number[] {
  const phase = p.status?.phase;
  const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  return [
    p.spec.nodeName ? 0 : 1,
    phase === 'Running' ? 0 : phase === 'Pending' ? 1 : 2,
    ready ? 0 : 1,
    Date.parse(p.metadata.creationTimestamp ?? '') || 0,
  ];
}

/** Resolves `name` or `TYPE/NAME` to a pod, as kubectl's `attachablePodForObject`. */
export async function resolvePod(client: Client, ns: string, ref: string): Promise<PodLike> {
  const slash = ref.indexOf('/');
  const t = slash >= 0 ? resourceType(ref.slice(0, slash)) : resourceType('pods');
  const name = slash >= 0 ? ref.slice(slash + 1) : ref;
  if (t.plural === 'pods') return client.get<PodLike>(resourcePath(t, ns, name));
  const obj = await client.get<
    KubeObj & { spec?: { selector?: { matchLabels?: Record<string, string> } | Record<string, string> } }
  >(resourcePath(t, ns, name));
  const sel =
    t.plural === 'services'
      ? (obj.spec?.selector as Record<string, string>)
      : (obj.spec?.selector as { matchLabels?: Record<string, string> })?.matchLabels;
  if (!sel || Object.keys(sel).length === 0)
    throw new CliError(`cannot attach to ${t.kind}/${name}: selector is empty`);
  const pods = await client.get<{ items: PodLike[] }>(resourcePath(resourceType('pods'), ns), {
    labelSelector: selectorString(sel),
  });
  const items = pods.items.filter((p) => !p.metadata.deletionTimestamp);
  if (items.length === 0) throw new CliError(`timed out waiting for the condition`);
  items.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return 0;
  });
  if (items.length > 1) process.stderr.write(`Found ${items.length} pods, using pod/${items[0].metadata.name}\n`);
  return items[0];
}

/** The container to use: `-c`, else the default-container annotation, else the first (with kubectl's notice). */
export function pickContainer(pod: PodLike, explicit: string | undefined, quiet = false): string {
  const names = pod.spec.containers.map((c) => c.name);
  const all = [...names, ...(pod.spec.initContainers ?? []).map((c) => c.name)];
  if (explicit) {
    if (!all.includes(explicit)) {
      throw new CliError(`container ${explicit} is not valid for pod ${pod.metadata.name}`);
    }
    return explicit;
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.length > 1 && !quiet) {
    process.stderr.write(`Defaulted container "${names[0]}" out of: ${names.join(', ')}\n`);
  }
  return names[0];
}

export function isNotFoundError(e: unknown): e is StatusError {
  return e instanceof StatusError && e.httpCode === 404;
}
