/**
 * API defaulting by kind (k8s-semantics.md §1.3, §4, §6.1, §7, §10.2, §11; kk-def, kk-appsdef).
 * Mutates in place and returns the object; idempotent. Quantities are rounded up to milli and
 * re-serialised canonically (`0.5` → `500m`, `1024Mi` → `1Gi`); invalid quantities are left for
 * validation to report.
 */
import { canonicalizeQuantity, isValidQuantity } from './quantities.js';
import type {
  Container,
  Deployment,
  Endpoints,
  KubeObject,
  Namespace,
  Node,
  Pod,
  PodSpec,
  Probe,
  ReplicaSet,
  ResourceList,
  Service,
  Toleration,
} from './types.js';

/** Seconds pods tolerate `not-ready`/`unreachable` NoExecute taints (DefaultTolerationSeconds admission). */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** imagePullPolicy default: `Always` for `:latest` or no tag (and no digest), else `IfNotPresent`. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function roundResourceList(list: ResourceList | undefined): void {
  if (!list || typeof list !== 'object') return;
  for (const [k, v] of Object.entries(list)) {
    try {
      list[k] = canonicalizeQuantity(String(v));
    } catch {
      // Left as is: validation reports the bad quantity.
    }
  }
}

function defaultProbe(p: Probe | undefined): void {
  if (!p || typeof p !== 'object') return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) {
    p.httpGet.path ??= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c || typeof c !== 'object') return;
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = defaultPullPolicy(c.image);
  for (const p of Array.isArray(c.ports) ? c.ports : []) {
    p.protocol ??= 'TCP';
    if (hostNetwork && p.hostPort === undefined) p.hostPort = p.containerPort;
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const h of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (h?.httpGet) {
      h.httpGet.path ??= '/';
      h.httpGet.scheme ??= 'HTTP';
    }
  }
  roundResourceList(c.resources?.limits);
  roundResourceList(c.resources?.requests);
}

/** Pod spec defaults shared by Pods and pod templates (kk-def `SetDefaults_PodSpec` and containers). */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  const hostNetwork = spec.hostNetwork === true;
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c, hostNetwork);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) defaultContainer(c, hostNetwork);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (v && typeof v === 'object' && !v.emptyDir && !v.hostPath) v.emptyDir = {};
    if (v?.hostPath) v.hostPath.type ??= '';
  }
}

/** Requests default from limits, per resource (Pods only, not templates: kk-def `SetDefaults_Pod`). */
function defaultRequestsFromLimits(c: Container): void {
  const limits = c?.resources?.limits;
  if (!limits || typeof limits !== 'object') return;
  c.resources!.requests ??= {};
  for (const [k, v] of Object.entries(limits)) {
    // A bad limit is reported once, on the limit, not again on a copied request.
    if (isValidQuantity(String(v))) c.resources!.requests[k] ??= v;
  }
}

/** Adds the `not-ready`/`unreachable` NoExecute tolerations (300 s) unless the pod has them. */
export function addDefaultTolerations(spec: PodSpec, seconds = DEFAULT_TOLERATION_SECONDS): void {
  const tolerations: Toleration[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const covered = tolerations.some(
      (t) =>
        (t.effect === 'NoExecute' || !t.effect) &&
        ((t.key === key && (t.operator ?? 'Equal') === 'Exists') || (!t.key && t.operator === 'Exists')),
    );
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  spec.tolerations = tolerations;
}

function defaultPod(pod: Pod): void {
  const spec = pod.spec;
  if (!spec || typeof spec !== 'object') return;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultRequestsFromLimits(c);
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  addDefaultTolerations(spec);
}

function defaultService(svc: Service): void {
  const spec = svc.spec;
  if (!spec || typeof spec !== 'object') return;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!p || typeof p !== 'object') continue;
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
}

function defaultNamespace(ns: Namespace): void {
  ns.metadata ??= {};
  if (ns.metadata.name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels['kubernetes.io/metadata.name'] = ns.metadata.name;
  }
  ns.status ??= {};
  ns.status.phase ??= 'Active';
}

function defaultNode(node: Node): void {
  const status = node.status;
  if (!status || typeof status !== 'object') return;
  roundResourceList(status.capacity);
  roundResourceList(status.allocatable);
  if (status.allocatable === undefined && status.capacity) status.allocatable = { ...status.capacity };
}

function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  if (!spec || typeof spec !== 'object') return;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodSpec(spec.template?.spec);
}

function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = rs.spec;
  if (!spec || typeof spec !== 'object') return;
  spec.replicas ??= 1;
  defaultPodSpec(spec.template?.spec);
}

function defaultEndpoints(ep: Endpoints): void {
  for (const s of Array.isArray(ep.subsets) ? ep.subsets : []) {
    for (const p of Array.isArray(s?.ports) ? s.ports : []) p.protocol ??= 'TCP';
  }
}

const DEFAULTERS: Record<string, (obj: never) => void> = {
  'v1/Pod': defaultPod,
  'v1/Service': defaultService,
  'v1/Namespace': defaultNamespace,
  'v1/Node': defaultNode,
  'v1/Endpoints': defaultEndpoints,
  'apps/v1/Deployment': defaultDeployment,
  'apps/v1/ReplicaSet': defaultReplicaSet,
};

/** Applies Kubernetes defaulting for the object's kind, in place; returns `obj`. Unknown kinds are untouched. */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  if (!obj || typeof obj !== 'object') return obj;
  const fn = DEFAULTERS[`${obj.apiVersion}/${obj.kind}`] as ((o: KubeObject) => void) | undefined;
  fn?.(obj);
  return obj;
}
