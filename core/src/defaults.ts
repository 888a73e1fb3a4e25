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

/** Plain JSON object (not null, not an array): defaulting only descends into these. */
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const items = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

function roundResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    try {
      list[k] = canonicalizeQuantity(String(v));
    } catch {
      // Left as is: validation reports the bad quantity.
    }
  }
}

function defaultProbe(p: Probe | undefined): void {
  if (!isObj(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isObj(p.httpGet)) {
    p.httpGet.path ??= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!isObj(c)) return;
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = defaultPullPolicy(c.image);
  for (const p of items(c.ports)) {
    if (!isObj(p)) continue;
    p.protocol ??= 'TCP';
    if (hostNetwork && p.hostPort === undefined) p.hostPort = p.containerPort;
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lifecycle = isObj(c.lifecycle) ? c.lifecycle : {};
  for (const h of [lifecycle.postStart, lifecycle.preStop]) {
    if (isObj(h) && isObj(h.httpGet)) {
      h.httpGet.path ??= '/';
      h.httpGet.scheme ??= 'HTTP';
    }
  }
  if (isObj(c.resources)) {
    roundResourceList(c.resources.limits);
    roundResourceList(c.resources.requests);
  }
}

/** Pod spec defaults shared by Pods and pod templates (kk-def `SetDefaults_PodSpec` and containers). */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!isObj(spec)) return;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  const hostNetwork = spec.hostNetwork === true;
  for (const c of items<Container>(spec.containers)) defaultContainer(c, hostNetwork);
  for (const c of items<Container>(spec.initContainers)) defaultContainer(c, hostNetwork);
  for (const v of items(spec.volumes)) {
    if (!isObj(v)) continue;
    const sources = Object.keys(v).filter((k) => k !== 'name');
    if (sources.length === 0) v.emptyDir = {};
    if (isObj(v.hostPath)) v.hostPath.type ??= '';
  }
}

/** Requests default from limits, per resource (Pods only, not templates: kk-def `SetDefaults_Pod`). */
function defaultRequestsFromLimits(c: Container): void {
  if (!isObj(c) || !isObj(c.resources) || !isObj(c.resources.limits)) return;
  c.resources.requests ??= {};
  const requests = c.resources.requests;
  if (!isObj(requests)) return;
  for (const [k, v] of Object.entries(c.resources.limits)) {
    // A bad limit is reported once, on the limit, not again on a copied request.
    if (isValidQuantity(String(v))) requests[k] ??= v;
  }
}

/**
 * Adds the `not-ready`/`unreachable` NoExecute tolerations (300 s) unless the pod has them.
 * Edge twist (docs/offline.md): a pod pinned to one device — `spec.nodeName` set, or a
 * `kubernetes.io/hostname` nodeSelector — has nowhere else to go, so its tolerations carry no
 * tolerationSeconds: it is never evicted because its device is unreachable.
 */
export function addDefaultTolerations(spec: PodSpec, seconds = DEFAULT_TOLERATION_SECONDS): void {
  if (spec.tolerations !== undefined && !Array.isArray(spec.tolerations)) return;
  const tolerations: Toleration[] = spec.tolerations ?? [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const covered = tolerations.some(
      (t) =>
        isObj(t) &&
        (t.effect === 'NoExecute' || !t.effect) &&
        ((t.key === key && (t.operator ?? 'Equal') === 'Exists') || (!t.key && t.operator === 'Exists')),
    );
    if (covered) continue;
    const toleration: Toleration = { key, operator: 'Exists', effect: 'NoExecute' };
    if (!isPinnedToDevice(spec)) toleration.tolerationSeconds = seconds;
    tolerations.push(toleration);
  }
  spec.tolerations = tolerations;
}

/** A pod bound to one device by name (`spec.nodeName` or a `kubernetes.io/hostname` nodeSelector). */
export function isPinnedToDevice(spec: PodSpec): boolean {
  return Boolean(spec.nodeName) || Boolean(isObj(spec.nodeSelector) && spec.nodeSelector['kubernetes.io/hostname']);
}

function defaultPod(pod: Pod): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  for (const c of [...items<Container>(spec.containers), ...items<Container>(spec.initContainers)]) {
    defaultRequestsFromLimits(c);
  }
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  addDefaultTolerations(spec);
}

function defaultService(svc: Service): void {
  const spec = svc.spec;
  if (!isObj(spec)) return;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    if (isObj(spec.sessionAffinityConfig)) {
      spec.sessionAffinityConfig.clientIP ??= {};
      if (isObj(spec.sessionAffinityConfig.clientIP)) spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
    }
  }
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  for (const p of items(spec.ports)) {
    if (!isObj(p)) continue;
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
}

function defaultNamespace(ns: Namespace): void {
  ns.metadata ??= {};
  if (isObj(ns.metadata) && typeof ns.metadata.name === 'string' && ns.metadata.name) {
    ns.metadata.labels ??= {};
    if (isObj(ns.metadata.labels)) ns.metadata.labels['kubernetes.io/metadata.name'] = ns.metadata.name;
  }
  ns.status ??= {};
  if (isObj(ns.status)) ns.status.phase ??= 'Active';
}

function defaultNode(node: Node): void {
  const status = node.status;
  if (!isObj(status)) return;
  roundResourceList(status.capacity);
  roundResourceList(status.allocatable);
  if (status.allocatable === undefined && isObj(status.capacity)) status.allocatable = { ...status.capacity };
}

function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  if (!isObj(spec)) return;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  if (isObj(spec.strategy)) {
    spec.strategy.type ??= 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate ??= {};
      if (isObj(spec.strategy.rollingUpdate)) {
        spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
        spec.strategy.rollingUpdate.maxSurge ??= '25%';
      }
    }
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  if (isObj(spec.template)) defaultPodSpec(spec.template.spec);
}

function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = rs.spec;
  if (!isObj(spec)) return;
  spec.replicas ??= 1;
  if (isObj(spec.template)) defaultPodSpec(spec.template.spec);
}

function defaultEndpoints(ep: Endpoints): void {
  for (const s of items(ep.subsets)) {
    if (!isObj(s)) continue;
    for (const p of items<unknown>(s.ports)) if (isObj(p)) p.protocol ??= 'TCP';
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
