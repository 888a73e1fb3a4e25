import { compareRevisions, type DesiredIndex, type DesiredPod, type Pod } from '@peapod/core';

/**
 * Assembles the node's desired set from the retained index and per-pod messages. The set is only
 * emitted when every pod the index names has arrived with the hash the index expects, so a
 * half-delivered update never makes the agent stop a pod; and only when it differs from the last
 * set emitted (applying twice would be harmless anyway).
 *
 * Stale messages (a persistent session replays what was queued while the agent was away, before
 * the broker resends the current retained state) never win: indexes and pod messages older than
 * what the assembler holds are ignored, and while `hold()` is in effect (from connect until the
 * subscription is acknowledged) nothing is emitted, so replayed intermediate states are skipped.
 */
export class DesiredSetAssembler {
  private index?: DesiredIndex;
  private readonly pods = new Map<string, DesiredPod>();
  private lastSignature?: string;
  private held = false;

  /** Stops emitting until release() (the replay of a persistent session is in progress). */
  hold(): void {
    this.held = true;
  }

  /** Resumes emitting; returns the complete set if it changed meanwhile. */
  release(): Pod[] | undefined {
    this.held = false;
    return this.complete();
  }

  /** Returns the complete set when this message completed a new one. */
  applyIndex(index: DesiredIndex): Pod[] | undefined {
    if (this.index && compareRevisions(index.revision, this.index.revision) < 0) return undefined;
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
      const held = this.pods.get(uid);
      if (held && compareRevisions(message.revision, held.revision) < 0) return undefined;
      this.pods.set(uid, message);
    } else this.pods.delete(uid);
    return this.complete();
  }

  /** True once a consistent set has been seen (the hub's view is known). */
  get synced(): boolean {
    return this.lastSignature !== undefined;
  }

  private complete(): Pod[] | undefined {
    if (!this.index || this.held) return undefined;
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
