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
export interface LocalStoreOptions {
  /** Agent data directory; the file is `<dataDir>/agent-cache.db`. */
  dataDir: string;
  /** How often queued status changes are written, ms. Default 30 000. */
  statusFlushIntervalMs?: number;
}

export interface LocalStoreStats {
  /** Transactions that wrote to disk since open. */
  writes: number;
}

export class LocalStore {
  readonly #db: Database.Database;
  readonly #pending = new Map<string, PodStatusUpdate>();
  #dirty = false;
  #desiredHash: string;
  #timer?: NodeJS.Timeout;
  #writes = 0;

  private constructor(db: Database.Database, flushIntervalMs: number) {
    this.#db = db;
    for (const row of db.prepare('SELECT json FROM pending_status ORDER BY sequence').all() as { json: string }[]) {
      const update = JSON.parse(row.json) as PodStatusUpdate;
      this.#pending.set(update.uid, update);
    }
    this.#desiredHash = this.#hashOf(this.desiredPods());
    this.#timer = setInterval(() => this.flush(), flushIntervalMs);
    this.#timer.unref();
  }

  static open(options: LocalStoreOptions): LocalStore {
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const db = new Database(path.join(options.dataDir, 'agent-cache.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS desired_pods (uid TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS pending_status (uid TEXT PRIMARY KEY, sequence INTEGER NOT NULL, json TEXT NOT NULL);
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

  /** Stores a new desired set; writes only when it differs from the stored one. Returns whether it wrote. */
  setDesiredPods(pods: Pod[]): boolean {
    const hash = this.#hashOf(pods);
    if (hash === this.#desiredHash) return false;
    const insert = this.#db.prepare('INSERT INTO desired_pods (uid, json) VALUES (?, ?)');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM desired_pods').run();
      for (const pod of pods) insert.run(pod.metadata.uid, JSON.stringify(pod));
    })();
    this.#writes++;
    this.#desiredHash = hash;
    return true;
  }

  /** Queues a status change for the hub; a newer change of the same pod replaces the older one. */
  queueStatus(update: PodStatusUpdate): void {
    const previous = this.#pending.get(update.uid);
    if (previous && previous.sequence > update.sequence) return;
    this.#pending.set(update.uid, update);
    this.#dirty = true;
  }

  /** Queued changes in the order they happened (by sequence). */
  pendingStatuses(): PodStatusUpdate[] {
    return [...this.#pending.values()].sort((a, b) => a.sequence - b.sequence);
  }

  /** The hub has the change (or a newer one) for this pod: drop it from the queue. */
  acknowledge(uid: string, sequence: number): void {
    const pending = this.#pending.get(uid);
    if (pending && pending.sequence <= sequence) {
      this.#pending.delete(uid);
      this.#dirty = true;
    }
  }

  /** A small key/value for things such as the last sequence number handed out. */
  getMeta(key: string): string | undefined {
    return (this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    if (this.getMeta(key) === value) return;
    this.#db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
    this.#writes++;
  }

  /** Writes the status queue if it changed since the last flush (one transaction). */
  flush(): void {
    if (!this.#dirty) return;
    const insert = this.#db.prepare('INSERT INTO pending_status (uid, sequence, json) VALUES (?, ?, ?)');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM pending_status').run();
      for (const u of this.#pending.values()) insert.run(u.uid, u.sequence, JSON.stringify(u));
    })();
    this.#writes++;
    this.#dirty = false;
  }

  stats(): LocalStoreStats {
    return { writes: this.#writes };
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.flush();
    this.#db.close();
  }

  #hashOf(pods: Pod[]): string {
    return stableHash(
      [...pods]
        .sort((a, b) => ((a.metadata.uid ?? '') < (b.metadata.uid ?? '') ? -1 : 1))
        .map((p) => ({ metadata: p.metadata, spec: p.spec })),
    );
  }
}
