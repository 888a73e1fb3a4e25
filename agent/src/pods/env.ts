import { type Container, cpuToMilli, memoryToBytes, type Pod } from '@peapod/core';

/**
 * Container environment resolution as the kubelet does it: literal values with `$(VAR)` expansion
 * against the variables defined before, `valueFrom.fieldRef` (downward API) and
 * `valueFrom.resourceFieldRef` (limits/requests, divided by `divisor` and rounded up; a missing
 * limit falls back to the node's allocatable). Pure: the caller passes what it knows about the pod.
 */
export interface EnvContext {
  pod: Pod;
  podIP?: string;
  hostIP?: string;
  /** Used for resourceFieldRef limits a container does not set. */
  nodeAllocatable: { cpuMilli: number; memoryBytes: number };
  /** `{SVC}_SERVICE_HOST`… of the pod's namespace (docs/services.md); the container's own env wins. */
  serviceEnv?: Record<string, string>;
}

/** A configuration problem the kubelet reports as `CreateContainerConfigError`. */
export class ContainerConfigError extends Error {}

export function resolveEnv(container: Container, ctx: EnvContext): Record<string, string> {
  const env: Record<string, string> = ctx.pod.spec.enableServiceLinks === false ? {} : { ...ctx.serviceEnv };
  for (const v of container.env ?? []) {
    if (v.valueFrom?.fieldRef) env[v.name] = fieldRefValue(v.valueFrom.fieldRef.fieldPath, ctx);
    else if (v.valueFrom?.resourceFieldRef) {
      const ref = v.valueFrom.resourceFieldRef;
      const target = ref.containerName ? findContainer(ctx.pod, ref.containerName) : container;
      env[v.name] = resourceFieldValue(target, ref.resource, ref.divisor, ctx);
    } else if (v.valueFrom) throw new ContainerConfigError(`unsupported valueFrom in env var ${v.name}`);
    else env[v.name] = expandVariables(v.value ?? '', env);
  }
  return env;
}

function findContainer(pod: Pod, name: string): Container {
  const found = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === name);
  if (!found) throw new ContainerConfigError(`container ${name} not found`);
  return found;
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

export function fieldRefValue(fieldPath: string, ctx: EnvContext): string {
  const { pod } = ctx;
  const sub = SUBSCRIPT.exec(fieldPath);
  if (sub) return (sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[sub[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP ?? '';
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** `key="value"` lines, sorted, as the downward API formats whole maps. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k])}`)
    .join('\n');
}

export function resourceFieldValue(
  container: Container,
  resource: string,
  divisor: string | undefined,
  ctx: EnvContext,
): string {
  const [section, name] = resource.split('.', 2) as [string, string];
  const list = section === 'limits' ? container.resources?.limits : container.resources?.requests;
  if ((section !== 'limits' && section !== 'requests') || (name !== 'cpu' && name !== 'memory')) {
    throw new ContainerConfigError(`unsupported container resource: ${resource}`);
  }
  const raw = list?.[name];
  if (name === 'cpu') {
    const milli = raw ? cpuToMilli(raw) : section === 'limits' ? ctx.nodeAllocatable.cpuMilli : 0;
    return String(Math.ceil(milli / cpuToMilli(divisor ?? '1')));
  }
  const bytes = raw ? memoryToBytes(raw) : section === 'limits' ? ctx.nodeAllocatable.memoryBytes : 0;
  return String(Math.ceil(bytes / memoryToBytes(divisor ?? '1')));
}

/**
 * Kubernetes variable expansion: `$(NAME)` becomes the value of NAME when defined and stays as
 * written otherwise; `$$` is an escaped `$`.
 */
export function expandVariables(input: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    const close = next === '(' ? input.indexOf(')', i + 2) : -1;
    if (close < 0) {
      out += ch;
      continue;
    }
    const name = input.slice(i + 2, close);
    out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
    i = close;
  }
  return out;
}
