import {
  type DesiredIndex,
  type DesiredIndexEntry,
  type DesiredPod,
  encode,
  type KubeObject,
  type Pod,
  PROTOCOL_VERSION,
  resolveResourceType,
  stableHash,
  topics,
} from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import type { Logger } from '../component.js';
import type { WatchEvent } from '../store/types.js';
import type { MessageBus } from './bus.js';

const PODS = resolveResourceType('pods')!;
const NODES = resolveResourceType('nodes')!;

/** The part of a pod an agent needs: metadata without status bookkeeping, and the spec. */
export function desiredPodOf(pod: KubeObject): Pod {
  const m = pod.metadata;
  const metadata: Pod['metadata'] = { name: m.name, namespace: m.namespace, uid: m.uid };
  for (const key of [
    'labels',
    'annotations',
    'ownerReferences',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ] as const)
    if (m[key] !== undefined) (metadata as Record<string, unknown>)[key] = m[key];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: pod.spec };
}

/** Version of a desired pod: changes whenever anything the agent acts on changes. */
export function desiredHash(desired: Pod): string {
  return stableHash(desired);
}

interface NodeDesired {
  pods: Map<string, DesiredIndexEntry>;
  /** Pod messages to (re)publish (uid → payload) or clear (uid → null) at the next flush. */
  pending: Map<string, Buffer | null>;
}

/**
 * Keeps, per node, one retained message per desired pod plus a retained index (uid + hash of every
 * desired pod), driven by a watch on pods. Started before the broker accepts agents, it republishes
 * the whole state from the store, so retained state survives a hub restart.
 */
export class DesiredStatePublisher {
  private readonly nodes = new Map<string, NodeDesired>();
  /** The node each desired pod (by uid) is on: a pod event touches its node, not every node. */
  private readonly nodeOf = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private revision = '0';
  private flushScheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private unwatch?: () => void;

  constructor(
    private readonly bus: MessageBus,
    private readonly service: ResourceService,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (const node of this.service.list(NODES).items) this.ensureNode(node.metadata.name!);
    const pods = this.service.list(PODS);
    this.revision = pods.resourceVersion;
    for (const pod of pods.items) this.upsert(pod);
    this.unwatch = this.service.watch(PODS, { resourceVersion: pods.resourceVersion }, (event) => this.onEvent(event));
    await this.flush();
  }

  stop(): Promise<void> {
    this.unwatch?.();
    return this.chain;
  }

  /** Makes sure a (possibly empty) index exists for the node, so a new agent learns its set. */
  ensureNode(nodeName: string): void {
    if (this.nodes.has(nodeName)) return;
    this.nodes.set(nodeName, { pods: new Map(), pending: new Map() });
    this.markDirty(nodeName);
  }

  /** The uids currently desired on a node (used to authorize pod status reports). */
  desiredUids(nodeName: string): ReadonlySet<string> {
    return new Set(this.nodes.get(nodeName)?.pods.keys() ?? []);
  }

  /** Resolves when everything queued so far has been handed to the broker. */
  idle(): Promise<void> {
    return this.flushScheduled ? new Promise((r) => setImmediate(() => r(this.chain))) : this.chain;
  }

  private onEvent(event: WatchEvent): void {
    if (event.type === 'BOOKMARK') return;
    try {
      if (event.object.metadata.resourceVersion) this.revision = event.object.metadata.resourceVersion;
      if (event.type === 'DELETED') this.remove(event.object.metadata.uid!);
      else this.upsert(event.object);
    } catch (err) {
      this.log.error('mqtt: desired state update failed', { pod: event.object.metadata.name, error: String(err) });
    }
  }

  private upsert(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    const nodeName: string | undefined = pod.spec?.nodeName;
    const previous = this.nodeOf.get(uid);
    if (previous !== undefined && previous !== nodeName) this.remove(uid);
    if (!nodeName) return;
    this.ensureNode(nodeName);
    const state = this.nodes.get(nodeName)!;
    const desired = desiredPodOf(pod);
    const hash = desiredHash(desired);
    if (state.pods.get(uid)?.hash === hash) return;
    state.pods.set(uid, { uid, namespace: pod.metadata.namespace!, name: pod.metadata.name!, hash });
    this.nodeOf.set(uid, nodeName);
    const message: DesiredPod = {
      v: PROTOCOL_VERSION,
      uid,
      hash,
      revision: pod.metadata.resourceVersion ?? '0',
      pod: desired,
    };
    state.pending.set(uid, encode(message));
    this.markDirty(nodeName);
  }

  private remove(uid: string): void {
    const name = this.nodeOf.get(uid);
    if (name === undefined) return;
    this.nodeOf.delete(uid);
    const state = this.nodes.get(name);
    if (state?.pods.has(uid)) this.removeFrom(name, state, uid);
  }

  private removeFrom(nodeName: string, state: NodeDesired, uid: string): void {
    state.pods.delete(uid);
    state.pending.set(uid, null);
    this.markDirty(nodeName);
  }

  private markDirty(nodeName: string): void {
    this.dirty.add(nodeName);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /**
   * Queues a publication of everything dirty. What it publishes is taken when its turn comes, not
   * now: while the broker takes one flush, the changes of many event-loop turns gather into the next
   * one instead of queueing one small flush per turn behind it.
   */
  private flush(): Promise<void> {
    this.chain = this.chain
      .then(() => this.publishDirty())
      .catch((err) => this.log.error('mqtt: publishing desired state failed', { error: String(err) }));
    return this.chain;
  }

  /** Publishes changed pod messages first, then the index that refers to them (per node, in order). */
  private async publishDirty(): Promise<void> {
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty].map((name) => {
      const state = this.nodes.get(name)!;
      const pending = [...state.pending];
      state.pending.clear();
      const index: DesiredIndex = {
        v: PROTOCOL_VERSION,
        node: name,
        revision: this.revision,
        pods: [...state.pods.values()],
      };
      return { name, pending, index };
    });
    this.dirty.clear();
    // Every pod message of the flush is handed to the broker at once, then, once all of them are in,
    // each node's index. A publish completes only when the broker has written it to the subscribed
    // agent's socket — an event-loop turn or more on a busy hub — so one publish after the other
    // would cap the flush at about one message per turn (a 1,000-pod burst waited seconds here).
    const podsIn = await Promise.all(batch.map(({ name, pending }) => this.publishPods(name, pending)));
    await Promise.all(
      batch.map(async ({ name, index }, i) => {
        if (!podsIn[i]) return; // an index must not name pod messages the broker does not hold
        try {
          await this.bus.publish(topics.desiredIndex(name), encode(index), { qos: 1, retain: true });
        } catch (err) {
          this.log.error('mqtt: publishing desired state failed', { node: name, error: String(err) });
        }
      }),
    );
  }

  /** Publishes (or clears: an empty retained payload deletes it) a node's changed pod messages. */
  private async publishPods(name: string, pending: [string, Buffer | null][]): Promise<boolean> {
    try {
      await Promise.all(
        pending.map(([uid, payload]) =>
          this.bus.publish(topics.desiredPod(name, uid), payload ?? Buffer.alloc(0), { qos: 1, retain: true }),
        ),
      );
      return true;
    } catch (err) {
      this.log.error('mqtt: publishing desired state failed', { node: name, error: String(err) });
      return false;
    }
  }
}
