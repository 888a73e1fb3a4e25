import { isApiError, type Node, type Pod, type PodCondition } from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { createEventRecorder, type EventRecorder } from '../controllers/events.js';
import { listAndWatch } from '../controllers/list-watch.js';
import {
  isDeleting,
  isNotFound,
  isPodTerminal,
  NODES,
  objectKey,
  PODS,
  rfc3339,
  splitKey,
} from '../controllers/objects.js';
import { createWorkQueue, type WorkQueue } from '../controllers/work-queue.js';
import { bindPod } from './binding.js';
import { decide } from './decide.js';
import type { NodeInfo } from './node-info.js';
import { nodeReadyStatus } from './taints.js';

export const SCHEDULER_NAME = 'default-scheduler';
/** kube-scheduler podInitialBackoffSeconds / podMaxBackoffSeconds. */
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 10_000;

interface Unschedulable {
  attempts: number;
  lastAttempt: number;
  generation: number | undefined;
}

function wantsThisScheduler(pod: Pod): boolean {
  return !pod.spec?.schedulerName || pod.spec.schedulerName === SCHEDULER_NAME;
}

function needsScheduling(pod: Pod): boolean {
  return !pod.spec?.nodeName && !isDeleting(pod) && !isPodTerminal(pod) && wantsThisScheduler(pod);
}

/** What about a node matters to placement; node heartbeats that change none of it are ignored. */
function schedulingSignature(node: Node): string {
  const ready = nodeReadyStatus(node);
  return JSON.stringify([
    node.metadata.labels,
    node.spec?.taints,
    node.spec?.unschedulable,
    node.status?.allocatable,
    node.status?.allocatable ? undefined : node.status?.capacity,
    ready,
  ]);
}

/**
 * The scheduler (k8s-semantics §8): event-driven by watches on pods and nodes, one pod at a time
 * through a work queue. Pods that fit nowhere are parked with a per-pod back-off (1 s doubling to
 * 10 s) and retried only when a node changes in a way that matters or a pod frees room.
 */
export function createSchedulerComponent(): HubComponent {
  let context: HubContext | undefined;
  let queue: WorkQueue | undefined;
  let recorder: EventRecorder | undefined;
  const unwatch: (() => void)[] = [];
  const nodes = new Map<string, Node>();
  const nodeSignatures = new Map<string, string>();
  /** Pods bound to each node that still hold resources (non-terminal), by pod key. */
  const podsByNode = new Map<string, Map<string, Pod>>();
  const podNode = new Map<string, string>();
  const parked = new Map<string, Unschedulable>();
  /**
   * NodeInfo per node, replaced (never mutated) when the node or its pods change, so the summary
   * filters and scores derive from it is computed once per change, not once per decision.
   */
  const infos = new Map<string, NodeInfo>();
  /** `infos` in node-name order; rebuilt only when a node is added or removed. */
  let sortedInfos: NodeInfo[] | undefined;
  /** Position of each node in `sortedInfos`. */
  const sortedIndex = new Map<string, number>();

  const refreshInfo = (name: string) => {
    const node = nodes.get(name);
    if (!node) {
      if (infos.delete(name)) sortedInfos = undefined;
      return;
    }
    if (!infos.has(name)) sortedInfos = undefined;
    const info = { node, pods: [...(podsByNode.get(name)?.values() ?? [])] };
    infos.set(name, info);
    const i = sortedIndex.get(name);
    if (sortedInfos && i !== undefined) sortedInfos[i] = info;
  };

  const forgetPod = (key: string) => {
    const node = podNode.get(key);
    if (node === undefined) return false;
    podsByNode.get(node)?.delete(key);
    podNode.delete(key);
    refreshInfo(node);
    return true;
  };

  const rememberPod = (pod: Pod) => {
    const key = objectKey(pod);
    const freed = forgetPod(key) && (isPodTerminal(pod) || !pod.spec.nodeName);
    if (pod.spec.nodeName && !isPodTerminal(pod)) {
      let bucket = podsByNode.get(pod.spec.nodeName);
      if (!bucket) {
        bucket = new Map();
        podsByNode.set(pod.spec.nodeName, bucket);
      }
      bucket.set(key, pod);
      podNode.set(key, pod.spec.nodeName);
      refreshInfo(pod.spec.nodeName);
    }
    return freed;
  };

  /** Moves parked pods back to the queue, each after what is left of its back-off. */
  const retryParked = () => {
    if (!context || !queue) return;
    const now = context.now();
    for (const [key, p] of parked) {
      const backoff = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** (p.attempts - 1));
      queue.addAfter(key, p.lastAttempt + backoff - now);
    }
  };

  const onPod = (type: string, pod: Pod) => {
    const key = objectKey(pod);
    if (type === 'DELETED') {
      parked.delete(key);
      if (forgetPod(key)) retryParked();
      return;
    }
    if (rememberPod(pod)) retryParked();
    if (!needsScheduling(pod)) {
      parked.delete(key);
      return;
    }
    const p = parked.get(key);
    if (!p) queue?.add(key);
    else if (p.generation !== pod.metadata.generation) {
      p.generation = pod.metadata.generation;
      retryParked();
    }
  };

  const onNode = (type: string, node: Node) => {
    const name = node.metadata.name as string;
    if (type === 'DELETED') {
      nodes.delete(name);
      nodeSignatures.delete(name);
      refreshInfo(name);
      return;
    }
    nodes.set(name, node);
    const signature = schedulingSignature(node);
    // A heartbeat changes nothing placement reads: the node's NodeInfo (and summary) stays.
    if (nodeSignatures.get(name) !== signature) {
      nodeSignatures.set(name, signature);
      refreshInfo(name);
      retryParked();
    }
  };

  const nodeInfos = (): NodeInfo[] => {
    if (!sortedInfos) {
      sortedInfos = [...infos.values()].sort((a, b) =>
        (a.node.metadata.name as string) < (b.node.metadata.name as string) ? -1 : 1,
      );
      sortedIndex.clear();
      for (const [i, info] of sortedInfos.entries()) sortedIndex.set(info.node.metadata.name as string, i);
    }
    return sortedInfos;
  };

  const setScheduledCondition = (ctx: HubContext, pod: Pod, condition: PodCondition) => {
    const { namespace, name } = pod.metadata;
    return ctx.service.mutate(
      PODS,
      namespace,
      name as string,
      (stored) => {
        const conditions: PodCondition[] = stored.status?.conditions ?? [];
        const current = conditions.find((c) => c.type === 'PodScheduled');
        if (
          current &&
          current.status === condition.status &&
          current.reason === condition.reason &&
          current.message === condition.message
        ) {
          return undefined;
        }
        const next = { ...condition, lastProbeTime: null, lastTransitionTime: rfc3339(ctx.now()) };
        if (current?.status === condition.status && current.lastTransitionTime)
          next.lastTransitionTime = current.lastTransitionTime;
        stored.status = {
          ...(stored.status ?? {}),
          phase: stored.status?.phase ?? 'Pending',
          conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), next],
        };
        return stored;
      },
      { status: true, fieldManager: SCHEDULER_NAME },
    );
  };

  const scheduleOne = (key: string) => {
    const ctx = context;
    if (!ctx) return;
    const { namespace, name } = splitKey(key);
    let pod: Pod;
    try {
      pod = ctx.service.get(PODS, namespace, name) as Pod;
    } catch (error) {
      if (isNotFound(error)) {
        parked.delete(key);
        return;
      }
      throw error;
    }
    if (!needsScheduling(pod)) {
      parked.delete(key);
      return;
    }
    const decision = decide(pod, nodeInfos());
    if (decision.node === undefined) {
      const previous = parked.get(key);
      parked.set(key, {
        attempts: (previous?.attempts ?? 0) + 1,
        lastAttempt: ctx.now(),
        generation: pod.metadata.generation,
      });
      setScheduledCondition(ctx, pod, {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: decision.message,
      });
      recorder?.event(pod, 'Warning', 'FailedScheduling', decision.message);
      ctx.log.debug('pod unschedulable', { pod: key, message: decision.message });
      return;
    }
    let bound: Pod;
    try {
      bound = bindPod(ctx.store, pod, decision.node);
    } catch (error) {
      // Bound, deleted or replaced meanwhile: the watch brings the new state (and a retry if needed).
      if (isApiError(error) && error.status.code === 409) return;
      throw error;
    }
    parked.delete(key);
    rememberPod(bound);
    setScheduledCondition(ctx, bound, { type: 'PodScheduled', status: 'True' });
    recorder?.event(bound, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${decision.node}`);
  };

  return {
    name: 'scheduler',
    start(ctx) {
      context = ctx;
      recorder = createEventRecorder(ctx.service, SCHEDULER_NAME, { now: ctx.now, log: ctx.log });
      queue = createWorkQueue({
        name: 'scheduler',
        process: (key) => ctx.store.batch(() => scheduleOne(key)),
        // Pods waiting together are decided together and their bindings share one commit; each
        // decision sees the ones before it (rememberPod), never a stale cache.
        groupSize: 16,
        group: (work) => ctx.store.batch(work),
        log: ctx.log,
        baseDelayMs: 100,
        maxDelayMs: MAX_BACKOFF_MS,
      });
      unwatch.push(listAndWatch<Node>(ctx.service, NODES, onNode));
      unwatch.push(listAndWatch<Pod>(ctx.service, PODS, onPod));
    },
    async stop() {
      for (const u of unwatch.splice(0)) u();
      queue?.shutDown();
      for (const m of [nodes, nodeSignatures, podsByNode, podNode, parked, infos]) m.clear();
      sortedInfos = undefined;
      context = undefined;
    },
  };
}
