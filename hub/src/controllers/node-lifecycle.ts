import type { Node, Pod, PodCondition, Taint } from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { nodeReadyStatus } from '../scheduler/taints.js';
import { createEventRecorder, type EventRecorder } from './events.js';
import { evictionDecision } from './eviction.js';
import { listAndWatch } from './list-watch.js';
import { reconcileNodeTaints } from './node-taints.js';
import {
  getIfExists,
  isDeleting,
  isNotFound,
  isPodTerminal,
  NODES,
  objectKey,
  PODS,
  rfc3339,
  splitKey,
} from './objects.js';
import { createWorkQueue, type WorkQueue } from './work-queue.js';

export const NODE_LIFECYCLE_CONTROLLER = 'node-controller';
const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';

/**
 * Node lifecycle (k8s-semantics §9): keeps the not-ready / unreachable / unschedulable taints in
 * line with each node's Ready condition and cordon flag, and evicts pods from nodes with NoExecute
 * taints once their tolerations run out (timers per pod, no polling). Evicted pods are deleted
 * gracefully: on a disconnected node they stay Terminating (and keep running on the device) until
 * the agent comes back and confirms, while their controllers already create replacements.
 */
export interface NodeLifecycleOptions {
  /**
   * How long pods bound to a deleted Node wait before they are force-deleted (PodGC's orphaned-pod
   * quarantine, 40 s upstream), so a node that re-registers at once keeps its pods.
   */
  orphanedPodQuarantineMs?: number;
}

interface NodeView {
  name: string;
  taints?: Taint[];
  /** Taints, the cordon flag and the Ready status: what a change must touch to matter here. */
  signature: string;
}

function viewOf(node: Node): NodeView {
  const taints = node.spec?.taints;
  return {
    name: node.metadata.name as string,
    ...(taints ? { taints } : {}),
    signature: JSON.stringify([taints, node.spec?.unschedulable, nodeReadyStatus(node)]),
  };
}

export function createNodeLifecycleController(options: NodeLifecycleOptions = {}): HubComponent {
  const quarantineMs = options.orphanedPodQuarantineMs ?? 40_000;
  let context: HubContext | undefined;
  let queue: WorkQueue | undefined;
  let recorder: EventRecorder | undefined;
  const unwatch: (() => void)[] = [];
  /** What this controller needs of each Node (not the whole object: that is one copy per node). */
  const nodes = new Map<string, NodeView>();

  const hasNoExecute = (nodeName: string | undefined) =>
    nodeName !== undefined && (nodes.get(nodeName)?.taints ?? []).some((t) => t.effect === 'NoExecute');

  const syncNode = (ctx: HubContext, name: string) => {
    let node = getIfExists<Node>(ctx.service, NODES, undefined, name);
    if (!node) return;
    const taints = reconcileNodeTaints(node, rfc3339(ctx.now()));
    if (taints) {
      node = ctx.service.mutate(
        NODES,
        undefined,
        name,
        (stored) => {
          const fresh = reconcileNodeTaints(stored as Node, rfc3339(ctx.now()));
          if (!fresh) return undefined;
          stored.spec = { ...(stored.spec ?? {}), taints: fresh };
          if (fresh.length === 0) delete stored.spec.taints;
          return stored;
        },
        { fieldManager: NODE_LIFECYCLE_CONTROLLER },
      ) as Node;
      nodes.set(name, viewOf(node));
    }
    const view = viewOf(node);
    if (!(view.taints ?? []).some((t) => t.effect === 'NoExecute')) return;
    const pods = ctx.service.list(PODS, { fieldSelector: `spec.nodeName=${name}` }).items as Pod[];
    for (const pod of pods) syncPod(ctx, pod, view);
  };

  const syncPod = (ctx: HubContext, pod: Pod, node: NodeView) => {
    if (isDeleting(pod) || isPodTerminal(pod) || pod.spec.nodeName !== node.name) return;
    const now = ctx.now();
    const decision = evictionDecision(pod, node.taints, now);
    if (decision.evict === 'never') return;
    if (decision.evict === 'at') {
      queue?.addAfter(`pod:${objectKey(pod)}`, decision.at - now);
      return;
    }
    evict(ctx, pod);
  };

  const evict = (ctx: HubContext, pod: Pod) => {
    const { namespace, name } = pod.metadata;
    try {
      ctx.service.mutate(
        PODS,
        namespace,
        name as string,
        (stored) => {
          const conditions: PodCondition[] = (stored.status?.conditions ?? []).filter(
            (c: PodCondition) => c.type !== 'DisruptionTarget',
          );
          conditions.push({
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'DeletionByTaintManager',
            message: 'Taint manager: deleting due to NoExecute taint',
            lastTransitionTime: rfc3339(ctx.now()),
          });
          stored.status = { ...(stored.status ?? {}), conditions };
          return stored;
        },
        { status: true, fieldManager: TAINT_EVICTION_CONTROLLER },
      );
      recorder?.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
      ctx.service.delete(PODS, namespace, name as string);
      ctx.log.info('evicted pod from NoExecute-tainted node', { pod: `${namespace}/${name}`, node: pod.spec.nodeName });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  };

  /** PodGC gcOrphaned: pods bound to a Node that no longer exists are force-deleted. */
  const collectOrphanedPods = (ctx: HubContext, nodeName: string) => {
    if (nodes.has(nodeName)) return;
    const pods = ctx.service.list(PODS, { fieldSelector: `spec.nodeName=${nodeName}` }).items as Pod[];
    for (const pod of pods) {
      try {
        ctx.service.delete(PODS, pod.metadata.namespace, pod.metadata.name as string, { gracePeriodSeconds: 0 });
        ctx.log.info('deleted pod of a deleted node', { pod: objectKey(pod), node: nodeName });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  };

  const sync = (key: string) => {
    const ctx = context;
    if (!ctx) return;
    if (key.startsWith('gone:')) {
      collectOrphanedPods(ctx, key.slice(5));
      return;
    }
    if (key.startsWith('node:')) {
      syncNode(ctx, key.slice(5));
      return;
    }
    const { namespace, name } = splitKey(key.slice(4));
    const pod = getIfExists<Pod>(ctx.service, PODS, namespace, name);
    if (!pod) return;
    const node = pod.spec.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
    if (node) syncPod(ctx, pod, node);
  };

  return {
    name: NODE_LIFECYCLE_CONTROLLER,
    start(ctx) {
      context = ctx;
      recorder = createEventRecorder(ctx.service, TAINT_EVICTION_CONTROLLER, { now: ctx.now, log: ctx.log });
      queue = createWorkQueue({ name: NODE_LIFECYCLE_CONTROLLER, process: sync, log: ctx.log });
      unwatch.push(
        listAndWatch<Node>(ctx.service, NODES, (type, node) => {
          const name = node.metadata.name as string;
          if (type === 'DELETED') {
            nodes.delete(name);
            queue?.addAfter(`gone:${name}`, quarantineMs);
            return;
          }
          const before = nodes.get(name);
          const view = viewOf(node);
          nodes.set(name, view);
          // Heartbeats that change neither taints, conditions' status nor the cordon flag are ignored.
          if (type === 'ADDED' || before?.signature !== view.signature) queue?.add(`node:${name}`);
        }),
      );
      unwatch.push(
        listAndWatch<Pod>(ctx.service, PODS, (type, pod) => {
          if (type !== 'DELETED' && hasNoExecute(pod.spec?.nodeName) && !isDeleting(pod)) {
            queue?.add(`pod:${objectKey(pod)}`);
          }
        }),
      );
    },
    stop() {
      for (const u of unwatch.splice(0)) u();
      queue?.shutDown();
      nodes.clear();
      context = undefined;
    },
  };
}
