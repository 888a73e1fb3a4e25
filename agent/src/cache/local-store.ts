import fs from 'node:fs';
import path from 'node:path';
import type { Pod } from '@peapod/core';
import { stableHash } from '@peapod/core';
import Database from 'better-sqlite3';
import type { PodStatusUpdate } from '../pods/types.js';

/**
 * The agent's memory across hub outages and reboots (issue 8, docs/offline.md): the desired pods
 * the hub last sent, and pod status changes the hub has not acknowledged yet (latest per pod wins).
 *
 * SD-card wear: desired pods are written only when the set really changes (compared by hash), and
 * status changes are kept in memory and written in one transaction per flush interval — never per
 * heartbeat or per probe. A crash loses at most one interval of *status* (the hub re-derives it
 * from the next report anyway); it never loses desired pods.
 */
const DESIRED_KNOWN = 'desired-known';

export interface LocalStoreOptions {
  /** Agent data directory; the file is `<dataDir>/agent-cache.db`. */
  dataDir: string;
  /** How often queued status changes are written, ms. Default 30 000. */
  statusFlushIntervalMs?: number;
}

/** A queued status change and the agent process (transport instance) that observed it. */
export interface QueuedStatus {
  instance: string;
  update: PodStatusUpdate;
}

export interface LocalStoreStats {
  /** Transactions that wrote to disk since open. */
  writes: number;
}

export class LocalStore {
  readonly #db: Database.Database;
  /** uid → queued change; Map order is arrival order of each pod's first pending change. */
  readonly #pending = new Map<string, QueuedStatus>();
  /** Hash of the queue as it is on disk: a flush writes only when the queue differs from it. */
  #diskQueueHash: string;
  #desiredHash: string;
  #desiredKnown: boolean;
  #timer?: NodeJS.Timeout;
  #writes = 0;

  private constructor(db: Database.Database, flushIntervalMs: number) {
    this.#db = db;
    for (const row of db.prepare('SELECT instance, json FROM status_queue ORDER BY position').all() as {
      instance: string;
      json: string;
    }[]) {
      const update = JSON.parse(row.json) as PodStatusUpdate;
      this.#pending.set(update.uid, { instance: row.instance, update });
    }
    this.#diskQueueHash = this.#queueHash();
    this.#desiredHash = this.#hashOf(this.desiredPods());
    this.#desiredKnown = this.getMeta(DESIRED_KNOWN) === 'true';
    this.#timer = setInterval(() => this.flush(), flushIntervalMs);
    this.#timer.unref();
  }

  static open(options: LocalStoreOptions): LocalStore {
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const db = new Database(path.join(options.dataDir, 'agent-cache.db'));
    db.pragma('journal_mode = WAL');
    // Writes are rare (see above), so each one is made power-cut safe: a device that loses power
    // right after a deploy still boots into the new desired set.
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS desired_pods (uid TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS status_queue (
        uid TEXT PRIMARY KEY, position INTEGER NOT NULL, instance TEXT NOT NULL, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    return new LocalStore(db, options.statusFlushIntervalMs ?? 30_000);
  }

  /** The last desired set the hub sent (empty before the first one). */
  desiredPods(): Pod[] {
    return (this.#db.prepare('SELECT json FROM desired_pods ORDER BY uid').all() as { json: string }[]).map(
      (r) => JSON.parse(r.json) as Pod,
    );
  }

  /**
   * Whether the hub ever sent a desired set (an empty set included). Before that the cache knows
   * nothing, and the agent must not treat "no cached pods" as "run nothing".
   */
  hasDesired(): boolean {
    return this.#desiredKnown;
  }

  /** Stores a new desired set; writes only when it differs from the stored one. Returns whether it wrote. */
  setDesiredPods(pods: Pod[]): boolean {
    const hash = this.#hashOf(pods);
    if (hash === this.#desiredHash && this.#desiredKnown) return false;
    const insert = this.#db.prepare('INSERT INTO desired_pods (uid, json) VALUES (?, ?)');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM desired_pods').run();
      for (const pod of pods) insert.run(pod.metadata.uid, JSON.stringify(pod));
      if (!this.#desiredKnown) this.#putMeta(DESIRED_KNOWN, 'true');
    })();
    this.#writes++;
    this.#desiredHash = hash;
    this.#desiredKnown = true;
    return true;
  }

  /**
   * Queues a status change for the hub; a newer change of the same pod replaces the older one.
   * Sequences are per agent process (`instance`): a change from another process always replaces.
   */
  queueStatus(update: PodStatusUpdate, instance = ''): void {
    const previous = this.#pending.get(update.uid);
    if (previous && previous.instance === instance && previous.update.sequence > update.sequence) return;
    if (previous && previous.instance !== instance) this.#pending.delete(update.uid); // moves to the end
    this.#pending.set(update.uid, { instance, update });
  }

  /** Queued changes in the order they happened: older processes first, then by sequence. */
  pendingEntries(): QueuedStatus[] {
    const order = new Map<string, number>();
    for (const e of this.#pending.values()) if (!order.has(e.instance)) order.set(e.instance, order.size);
    return [...this.#pending.values()].sort(
      (a, b) => order.get(a.instance)! - order.get(b.instance)! || a.update.sequence - b.update.sequence,
    );
  }

  /** Queued changes in the order they happened (see pendingEntries). */
  pendingStatuses(): PodStatusUpdate[] {
    return this.pendingEntries().map((e) => e.update);
  }

  /** The hub has the change (or a newer one) for this pod: drop it from the queue. */
  acknowledge(uid: string, sequence: number, instance = ''): void {
    const pending = this.#pending.get(uid);
    if (pending && pending.instance === instance && pending.update.sequence <= sequence) this.#pending.delete(uid);
  }

  /** Drops a queued change whatever its process (the pod is gone or a fresher status superseded it). */
  discard(uid: string): void {
    this.#pending.delete(uid);
  }

  /** A small key/value for things such as the last sequence number handed out. */
  getMeta(key: string): string | undefined {
    return (this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    if (this.getMeta(key) === value) return;
    this.#putMeta(key, value);
    this.#writes++;
  }

  /** Writes the status queue if it differs from what is on disk (one transaction). */
  flush(): void {
    const hash = this.#queueHash();
    if (hash === this.#diskQueueHash) return;
    const insert = this.#db.prepare('INSERT INTO status_queue (uid, position, instance, json) VALUES (?, ?, ?, ?)');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM status_queue').run();
      for (const [i, e] of this.pendingEntries().entries())
        insert.run(e.update.uid, i, e.instance, JSON.stringify(e.update));
    })();
    this.#writes++;
    this.#diskQueueHash = hash;
  }

  stats(): LocalStoreStats {
    return { writes: this.#writes };
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.flush();
    this.#db.close();
  }

  #putMeta(key: string, value: string): void {
    this.#db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  #queueHash(): string {
    return stableHash(this.pendingEntries().map((e) => [e.instance, e.update.uid, e.update.sequence]));
  }

  #hashOf(pods: Pod[]): string {
    return stableHash(
      [...pods]
        .sort((a, b) => ((a.metadata.uid ?? '') < (b.metadata.uid ?? '') ? -1 : 1))
        .map((p) => ({ metadata: p.metadata, spec: p.spec })),
    );
  }
}
