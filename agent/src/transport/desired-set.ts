import type { DesiredIndex, DesiredPod, Pod } from '@peapod/core';

/**
 * Assembles the node's desired set from the retained index and per-pod messages. The set is only
 * emitted when every pod the index names has arrived with the hash the index expects, so a
 * half-delivered update never makes the agent stop a pod; and only when it differs from the last
 * set emitted (applying twice would be harmless anyway).
 */
export class DesiredSetAssembler {
  private index?: DesiredIndex;
  private readonly pods = new Map<string, DesiredPod>();
  private lastSignature?: string;

  /** Returns the complete set when this message completed a new one. */
  applyIndex(index: DesiredIndex): Pod[] | undefined {
    this.index = index;
    // Pods no longer listed will never be needed again.
    const wanted = new Set(index.pods.map((p) => p.uid));
    for (const uid of this.pods.keys()) if (!wanted.has(uid)) this.pods.delete(uid);
    return this.complete();
  }

  /** `message` undefined = the retained pod message was cleared. */
  applyPod(uid: string, message: DesiredPod | undefined): Pod[] | undefined {
    if (message) {
      if (message.uid !== uid || message.pod.metadata.uid !== uid) return undefined;
      this.pods.set(uid, message);
    } else this.pods.delete(uid);
    return this.complete();
  }

  /** True once a consistent set has been seen (the hub's view is known). */
  get synced(): boolean {
    return this.lastSignature !== undefined;
  }

  private complete(): Pod[] | undefined {
    if (!this.index) return undefined;
    const result: Pod[] = [];
    for (const entry of this.index.pods) {
      const pod = this.pods.get(entry.uid);
      if (!pod || pod.hash !== entry.hash) return undefined;
      result.push(pod.pod);
    }
    const signature = this.index.pods
      .map((p) => `${p.uid}:${p.hash}`)
      .sort()
      .join(',');
    if (signature === this.lastSignature) return undefined;
    this.lastSignature = signature;
    return result;
  }
}
