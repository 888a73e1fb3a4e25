import {
  canonicalJson,
  type Node,
  type Pod,
  type ReplicaSet,
  type Selector,
  selectorFromLabelSelector,
  type Taint,
} from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { claimOwned } from './claim.js';
import { createEventRecorder, type EventRecorder } from './events.js';
import { evictionDecision } from './eviction.js';
import { listAndWatch } from './list-watch.js';
import {
  controllerRef,
  getIfExists,
  isDeleting,
  isNotFound,
  isPodActive,
  isPodReady,
  msUntilAvailable,
  NODES,
  objectKey,
  ownerReferenceTo,
  PODS,
  REPLICASETS,
  rfc3339,
  splitKey,
} from './objects.js';
import { rankForDeletion } from './replica-ranking.js';
import { createWorkQueue, type WorkQueue } from './work-queue.js';

export const REPLICASET_CONTROLLER = 'replicaset-controller';
/** controller_utils SlowStartInitialBatchSize; creations per sync are capped like burstReplicas. */
const SLOW_START_INITIAL_BATCH = 1;
/**
 * kube's burstReplicas is 500, but its creations run concurrently; here a sync is one synchronous
 * stretch of the hub's event loop, so it creates at most 50 pods and then queues the ReplicaSet
 * again: a large scale-up never holds API requests and agent messages back for long.
 */
const BURST_REPLICAS = 50;

function selectorOf(rs: ReplicaSet): Selector | undefined {
  try {
    return selectorFromLabelSelector(rs.spec.selector);
  } catch {
    return undefined;
  }
}

/** Template labels are all present on the pod (ReplicaSet fullyLabeledReplicas). */
function fullyLabeled(pod: Pod, rs: ReplicaSet): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(rs.spec.template?.metadata?.labels ?? {}).every(([k, v]) => labels[k] === v);
}

/** The pod a ReplicaSet creates from its template (`<rs>-<5 random chars>` via generateName). */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const template = rs.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(template?.metadata?.labels ?? {}) },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerReferenceTo(rs)],
    },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  };
}

/**
 * The ReplicaSet controller (k8s-semantics §10.1): claims pods (adopts matching orphans, releases
 * owned pods that stop matching), creates missing pods in slow-start batches, deletes surplus pods
 * in Kubernetes' ranking order and publishes status.
 */
export function createReplicaSetController(): HubComponent {
  let context: HubContext | undefined;
  let queue: WorkQueue | undefined;
  let recorder: EventRecorder | undefined;
  const unwatch: (() => void)[] = [];
  const replicaSets = new Map<string, ReplicaSet>();
  /** NoExecute taints per node, for the scale-down ranking. */
  const noExecuteTaints = new Map<string, Taint[]>();
  /**
   * Pods kept by the watch, indexed the way a sync needs them: by controller uid, and the orphans
   * (no controller) by namespace. The store delivers watch events synchronously with each write, so
   * this is current whenever a sync runs, and a sync looks only at its own pods and the orphans of
   * its namespace instead of every pod of the namespace.
   */
  const podsByController = new Map<string, Map<string, Pod>>();
  const orphansByNamespace = new Map<string, Map<string, Pod>>();
  /** Pod key → where it is indexed, so an update or delete finds its old bucket. */
  const podBucket = new Map<string, { index: Map<string, Map<string, Pod>>; indexKey: string }>();

  const cachePod = (type: string, pod: Pod) => {
    const key = objectKey(pod);
    const previous = podBucket.get(key);
    if (previous) {
      const bucket = previous.index.get(previous.indexKey);
      bucket?.delete(key);
      if (bucket?.size === 0) previous.index.delete(previous.indexKey);
      podBucket.delete(key);
    }
    if (type === 'DELETED') return;
    const owner = controllerRef(pod)?.uid;
    const index = owner ? podsByController : orphansByNamespace;
    const indexKey = owner ?? (pod.metadata.namespace as string);
    let bucket = index.get(indexKey);
    if (!bucket) {
      bucket = new Map();
      index.set(indexKey, bucket);
    }
    bucket.set(key, pod);
    podBucket.set(key, { index, indexKey });
  };

  /** The pods a sync of `rs` may claim: those it controls and the orphans of its namespace. */
  const candidatePods = (rs: ReplicaSet): Pod[] => [
    ...(podsByController.get(rs.metadata.uid as string)?.values() ?? []),
    ...(orphansByNamespace.get(rs.metadata.namespace as string)?.values() ?? []),
  ];

  const enqueueOwnersOf = (pod: Pod) => {
    const ref = controllerRef(pod);
    const ns = pod.metadata.namespace;
    if (ref) {
      if (ref.kind === 'ReplicaSet') queue?.add(`${ns}/${ref.name}`);
      return;
    }
    if (isDeleting(pod)) return;
    for (const [key, rs] of replicaSets) {
      if (rs.metadata.namespace === ns && selectorOf(rs)?.matches(pod.metadata.labels ?? {})) queue?.add(key);
    }
  };

  const claimPods = (ctx: HubContext, rs: ReplicaSet, selector: Selector, pods: Pod[]): Pod[] =>
    claimOwned(ctx.service, PODS, rs, selector, pods);

  /** Creates up to `count` pods in slow-start batches; stops at the first failure and reports it. */
  const createPods = (ctx: HubContext, rs: ReplicaSet, count: number): { created: Pod[]; error?: Error } => {
    const created: Pod[] = [];
    let remaining = Math.min(count, BURST_REPLICAS);
    let batch = SLOW_START_INITIAL_BATCH;
    while (remaining > 0) {
      const size = Math.min(batch, remaining);
      for (let i = 0; i < size; i++) {
        try {
          const pod = ctx.service.create(PODS, rs.metadata.namespace, podFromTemplate(rs), {
            fieldManager: REPLICASET_CONTROLLER,
          }) as Pod;
          created.push(pod);
          recorder?.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        } catch (error) {
          recorder?.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
          return { created, error: error as Error };
        }
      }
      remaining -= size;
      batch *= 2;
    }
    return { created };
  };

  const deletePods = (ctx: HubContext, rs: ReplicaSet, pods: Pod[]) => {
    for (const pod of pods) {
      try {
        ctx.service.delete(PODS, pod.metadata.namespace, pod.metadata.name as string);
        recorder?.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  };

  const sync = (key: string) => {
    const ctx = context;
    if (!ctx) return;
    const { namespace, name } = splitKey(key);
    const rs = getIfExists<ReplicaSet>(ctx.service, REPLICASETS, namespace, name);
    if (!rs) return;
    const selector = selectorOf(rs);
    if (!selector) return;
    const owned = claimPods(ctx, rs, selector, candidatePods(rs));
    let active = owned.filter(isPodActive);
    const desired = rs.spec.replicas ?? 1;
    let failure: Error | undefined;
    if (!isDeleting(rs) && rs.spec.template) {
      const diff = active.length - desired;
      if (diff < 0) {
        const { created, error } = createPods(ctx, rs, -diff);
        active = [...active, ...created];
        failure = error;
        // More to create: run again after other work had its turn.
        if (!error && created.length < -diff) queue?.add(key);
      } else if (diff > 0) {
        const now = ctx.now();
        const outOfToleration = (pod: Pod) =>
          evictionDecision(pod, noExecuteTaints.get(pod.spec.nodeName as string), now).evict === 'now';
        const victims = rankForDeletion(active, { outOfToleration }).slice(0, diff);
        deletePods(ctx, rs, victims);
        active = active.filter((p) => !victims.includes(p));
      }
    }
    // Status describes the pods as they are after this sync, so a status with the current
    // observedGeneration never over-counts (the Deployment controller relies on that).
    writeStatus(ctx, rs, active, failure);
    if (failure) throw failure; // retried with back-off
  };

  /** ReplicaSet conditions: `ReplicaFailure` (reason FailedCreate) while pod creation fails. */
  const conditionsFor = (ctx: HubContext, rs: ReplicaSet, failure: Error | undefined) => {
    const others = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
    if (!failure) return others;
    const previous = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    return [
      ...others,
      {
        type: 'ReplicaFailure',
        status: 'True' as const,
        reason: 'FailedCreate',
        message: failure.message,
        lastTransitionTime: previous?.status === 'True' ? previous.lastTransitionTime : rfc3339(ctx.now()),
      },
    ];
  };

  const writeStatus = (ctx: HubContext, rs: ReplicaSet, active: Pod[], failure?: Error) => {
    const minReady = rs.spec.minReadySeconds ?? 0;
    const now = ctx.now();
    let available = 0;
    let nextCheck = Number.POSITIVE_INFINITY;
    for (const pod of active) {
      const wait = msUntilAvailable(pod, minReady, now);
      if (wait === 0) available++;
      else if (wait > 0) nextCheck = Math.min(nextCheck, wait);
    }
    if (nextCheck !== Number.POSITIVE_INFINITY) queue?.addAfter(objectKey(rs), nextCheck + 10);
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => fullyLabeled(p, rs)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation,
    };
    const conditions = conditionsFor(ctx, rs, failure);
    const current: Partial<Record<keyof typeof status, number>> = rs.status ?? {};
    const same =
      (Object.keys(status) as (keyof typeof status)[]).every((k) => (current[k] ?? 0) === (status[k] ?? 0)) &&
      canonicalJson(conditions) === canonicalJson(rs.status?.conditions ?? []);
    if (same) return;
    try {
      ctx.service.mutate(
        REPLICASETS,
        rs.metadata.namespace,
        rs.metadata.name as string,
        (stored) => {
          stored.status = { ...(stored.status ?? {}), ...status, conditions };
          if (conditions.length === 0) delete stored.status.conditions;
          return stored;
        },
        { status: true, fieldManager: REPLICASET_CONTROLLER },
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  };

  const onNode = (type: string, node: Node) => {
    const name = node.metadata.name as string;
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (type === 'DELETED' || taints.length === 0) noExecuteTaints.delete(name);
    else noExecuteTaints.set(name, taints);
  };

  return {
    name: REPLICASET_CONTROLLER,
    start(ctx) {
      context = ctx;
      recorder = createEventRecorder(ctx.service, REPLICASET_CONTROLLER, { now: ctx.now, log: ctx.log });
      queue = createWorkQueue({
        name: REPLICASET_CONTROLLER,
        process: (key) => ctx.store.batch(() => sync(key)),
        log: ctx.log,
      });
      unwatch.push(listAndWatch<Node>(ctx.service, NODES, onNode));
      unwatch.push(
        listAndWatch<ReplicaSet>(ctx.service, REPLICASETS, (type, rs) => {
          const key = objectKey(rs);
          if (type === 'DELETED') replicaSets.delete(key);
          else replicaSets.set(key, rs);
          queue?.add(key);
        }),
      );
      unwatch.push(
        listAndWatch<Pod>(ctx.service, PODS, (type, pod) => {
          cachePod(type, pod);
          enqueueOwnersOf(pod);
        }),
      );
    },
    stop() {
      for (const u of unwatch.splice(0)) u();
      queue?.shutDown();
      podsByController.clear();
      orphansByNamespace.clear();
      podBucket.clear();
      replicaSets.clear();
      noExecuteTaints.clear();
      context = undefined;
    },
  };
}
