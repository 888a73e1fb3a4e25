import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ResourceType } from '@peapod/core';
import { alreadyExists, apiVersionOf, badRequest, conflict, internalError, invalid, notFound } from '@peapod/core';
import Database from 'better-sqlite3';
import { ChangeLog, type ChangeRecord } from './change-log.js';
import { desiredStateChanged, generateObjectName, jsonCopy, rfc3339Seconds } from './object-meta.js';
import { uidPreconditionFailed } from './preconditions.js';
import { migrate } from './schema.js';
import type {
  ListJsonResult,
  ListOptions,
  ListResult,
  ObjectStore,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
} from './types.js';
import { isCoalescibleKind, isVolatileOnlyChange } from './volatile-fields.js';
import { compileFilter, matchesFilter, WatcherSet } from './watchers.js';

export const DATABASE_FILE = 'peapod.db';

export interface SqliteStoreOptions {
  /**
   * `FULL` (default): the WAL is fsynced at every commit — an acknowledged write survives kill -9
   * and power loss. `NORMAL`: fsync only at checkpoints — survives kill -9 (the OS holds the
   * data) but a power cut may roll back the last commits (never corrupts). See docs/storage.md.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Heartbeat-only Node writes are kept in memory at most this long (default 3600 s: every idle node
   * posts its status every 5 min, so each flush writes every node — one flush of 100 nodes is
   * ≈ 0.57 MB on ext4; hourly keeps an idle hub under 1 MB/h, see docs/storage.md).
   */
  heartbeatFlushSeconds?: number;
  /** Change-log bounds for watch resume (defaults 10 000 changes, 32 MiB). */
  changeLogMaxEvents?: number;
  changeLogMaxBytes?: number;
  /** Milliseconds since the epoch (creationTimestamp); injectable for tests. */
  now?: () => number;
  /** How long a write waits for a lock held by another connection before failing (default 5000). */
  busyTimeoutMs?: number;
}

/** What the store wrote to disk, for benchmarks (disk writes per hour) and tests. */
export interface StoreWriteStats {
  /** Committed write transactions. */
  transactions: number;
  /** Rows inserted, replaced or deleted (objects and bookkeeping). */
  rowsWritten: number;
  /** Bytes of row payload written (object JSON and bookkeeping values). */
  bytesWritten: number;
  /** Heartbeat-only writes served from memory instead of disk. */
  coalescedWrites: number;
  /** Flushes of coalesced objects to disk. */
  flushes: number;
}

/** resourceVersions are reserved on disk in blocks so coalesced writes never reuse one after a crash. */
const RV_BLOCK = 1000;

interface Row {
  body: string;
}

interface Current {
  json: string;
  object: KubeObject;
}

/**
 * The hub's durable store: one SQLite file (WAL), one transaction per write, an in-memory change
 * log for watches and an in-memory overlay for heartbeat-only Node writes.
 */
export class SqliteStore implements ObjectStore {
  readonly path: string;
  private readonly db: Database.Database;
  /** Held for the store's lifetime: a second hub on the same data never opens it. */
  private readonly ownerLock: Database.Database;
  private readonly now: () => number;
  private readonly changes: ChangeLog;
  private readonly watchers = new WatcherSet();
  /** Coalesced (not yet on disk) objects by key: newest JSON. */
  private readonly overlay = new Map<string, string>();
  private readonly flushDelayMs: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly stats: StoreWriteStats = {
    transactions: 0,
    rowsWritten: 0,
    bytesWritten: 0,
    coalescedWrites: 0,
    flushes: 0,
  };
  private rv: number;
  private rvCeiling: number;
  private closed = false;
  /** Changes of the open batch, published after its commit (undefined: no batch open). */
  private batched: ChangeRecord[] | undefined;

  private readonly stmt: {
    get: Database.Statement<[string, string, string], Row>;
    listAll: Database.Statement<[string], Row & { namespace: string; name: string }>;
    listNamespace: Database.Statement<[string, string], Row & { namespace: string; name: string }>;
    /** Only the body (no row object, no namespace/name strings per row): LIST replies splice these. */
    listAllBodies: Database.Statement<[string], string>;
    listNamespaceBodies: Database.Statement<[string, string], string>;
    insert: Database.Statement<[string, string, string, string, number, string]>;
    replace: Database.Statement<[string, string, number, string, string, string]>;
    remove: Database.Statement<[string, string, string]>;
    setMeta: Database.Statement<[string, string]>;
    getMeta: Database.Statement<[string], { value: string }>;
  };

  /** `location`: a data directory (the file is `<dir>/peapod.db`) or a path to a `.db` file. */
  constructor(location: string, options: SqliteStoreOptions = {}) {
    this.path = resolveDatabasePath(location);
    mkdirSync(dirname(this.path), { recursive: true });
    this.now = options.now ?? Date.now;
    this.ownerLock = acquireOwnerLock(`${this.path}.lock`, this.path);
    this.db = new Database(this.path, { timeout: options.busyTimeoutMs ?? 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    // Keep the WAL file from growing without bound between checkpoints.
    this.db.pragma('journal_size_limit = 4194304');
    migrate(this.db);
    this.stmt = {
      get: this.db.prepare('SELECT body FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      listAll: this.db.prepare('SELECT namespace, name, body FROM objects WHERE resource = ? ORDER BY namespace, name'),
      listNamespace: this.db.prepare(
        'SELECT namespace, name, body FROM objects WHERE resource = ? AND namespace = ? ORDER BY name',
      ),
      listAllBodies: this.db
        .prepare<[string], string>('SELECT body FROM objects WHERE resource = ? ORDER BY namespace, name')
        .pluck(),
      listNamespaceBodies: this.db
        .prepare<[string, string], string>(
          'SELECT body FROM objects WHERE resource = ? AND namespace = ? ORDER BY name',
        )
        .pluck(),
      insert: this.db.prepare(
        'INSERT INTO objects (resource, namespace, name, uid, rv, body) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      replace: this.db.prepare(
        'UPDATE objects SET uid = ?, body = ?, rv = ? WHERE resource = ? AND namespace = ? AND name = ?',
      ),
      remove: this.db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?'),
    };
    this.rvCeiling = Number(this.stmt.getMeta.get('rv_ceiling')?.value ?? '0');
    // Past every version handed out before (coalesced writes included): nothing is ever reused.
    this.rv = this.rvCeiling + 1;
    this.changes = new ChangeLog(
      { maxEvents: options.changeLogMaxEvents ?? 10_000, maxBytes: options.changeLogMaxBytes ?? 32 * 1024 * 1024 },
      this.rv,
    );
    this.flushDelayMs = (options.heartbeatFlushSeconds ?? 3600) * 1000;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const current = this.read(type, scopeOf(type, namespace), name);
    return current ? (JSON.parse(current.json) as KubeObject) : undefined;
  }

  list(type: ResourceType, options: ListOptions = {}): ListResult {
    const items: KubeObject[] = [];
    this.scan(type, options, (json, object) => {
      items.push(object ?? (JSON.parse(json) as KubeObject));
    });
    return { items, resourceVersion: String(this.rv) };
  }

  listJson(type: ResourceType, options: ListOptions = {}): ListJsonResult {
    const resourceVersion = String(this.rv);
    const filter = compileFilter(type.kind, { ...options, namespace: type.namespaced ? options.namespace : undefined });
    // Unfiltered, and a kind the overlay never holds: the bodies are the reply.
    if (filter.labels === undefined && filter.fields === undefined && !isCoalescibleKind(type.kind)) {
      const resource = resourceKey(type);
      const items = filter.namespace
        ? this.stmt.listNamespaceBodies.all(resource, filter.namespace)
        : this.stmt.listAllBodies.all(resource);
      return { items, resourceVersion };
    }
    const items: string[] = [];
    this.scan(type, options, (json) => {
      items.push(json);
    });
    return { items, resourceVersion };
  }

  create(type: ResourceType, input: KubeObject): KubeObject {
    this.assertOpen();
    const object = jsonCopy(input);
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    object.metadata = object.metadata ?? {};
    const namespace = scopeOf(type, object.metadata.namespace);
    if (type.namespaced) object.metadata.namespace = namespace;
    else delete object.metadata.namespace;
    const resource = resourceKey(type);
    const generated = !object.metadata.name && !!object.metadata.generateName;
    // Like apiserver's RetryGenerateName: a generated name that collides is drawn again.
    for (let attempt = 0; ; attempt++) {
      if (generated) object.metadata.name = generateObjectName(object.metadata.generateName as string);
      const name = object.metadata.name;
      if (!name) {
        throw invalid(type.kind, '', [
          {
            reason: 'FieldValueRequired',
            field: 'metadata.name',
            message: 'Required value: name or generateName is required',
          },
        ]);
      }
      if (this.read(type, namespace, name)) {
        if (generated && attempt < 7) continue;
        throw alreadyExists(type.plural, name, type.group);
      }
      break;
    }
    const name = object.metadata.name as string;
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = rfc3339Seconds(this.now());
    object.metadata.generation = 1;
    delete object.metadata.deletionTimestamp;
    delete object.metadata.deletionGracePeriodSeconds;
    let json = '';
    this.write(() => {
      const rv = this.nextRv();
      object.metadata.resourceVersion = String(rv);
      json = JSON.stringify(object);
      this.stmt.insert.run(resource, namespace, name, object.metadata.uid as string, rv, json);
      this.count(json);
      return { rv, type: 'ADDED', resource, namespace, name, json };
    });
    return JSON.parse(json) as KubeObject;
  }

  update(type: ResourceType, input: KubeObject, options: UpdateOptions = {}): KubeObject {
    this.assertOpen();
    const meta = input.metadata ?? {};
    const namespace = scopeOf(type, meta.namespace);
    const name = meta.name ?? '';
    const resource = resourceKey(type);
    const current = this.read(type, namespace, name);
    if (!current) throw notFound(type.plural, name, type.group);
    const stored = current.object;
    if (meta.uid && meta.uid !== stored.metadata.uid) {
      throw uidPreconditionFailed(type, name, meta.uid, stored.metadata.uid);
    }
    const requestedRv = meta.resourceVersion;
    if (requestedRv && requestedRv !== stored.metadata.resourceVersion) throw conflict(type.plural, name, type.group);

    // The status subresource takes only the input's status: copy that alone, not the whole object.
    const taken: KubeObject =
      options.subresource === 'status'
        ? ({ status: input.status === undefined ? undefined : jsonCopy(input.status) } as KubeObject)
        : { ...jsonCopy(input), metadata: jsonCopy(meta) };
    const next = nextVersion(type, stored, taken, options);
    if (isDeepStrictEqual(next, stored)) return JSON.parse(current.json) as KubeObject; // no-op: no write, no event

    const key = objectKey(resource, namespace, name);
    if (isCoalescibleKind(type.kind)) {
      const onDisk = this.overlay.has(key) ? this.readDisk(resource, namespace, name) : current;
      if (onDisk && isVolatileOnlyChange(onDisk.object, next)) {
        const rv = this.nextRv(true);
        next.metadata.resourceVersion = String(rv);
        const json = JSON.stringify(next);
        this.overlay.set(key, json);
        this.stats.coalescedWrites++;
        this.armFlush();
        this.commitChange({ rv, type: 'MODIFIED', resource, namespace, name, json, previousJson: current.json });
        return JSON.parse(json) as KubeObject;
      }
    }
    let json = '';
    this.write(() => {
      const rv = this.nextRv();
      next.metadata.resourceVersion = String(rv);
      json = JSON.stringify(next);
      this.stmt.replace.run(next.metadata.uid as string, json, rv, resource, namespace, name);
      this.count(json);
      return { rv, type: 'MODIFIED', resource, namespace, name, json, previousJson: current.json };
    });
    this.overlay.delete(key);
    return JSON.parse(json) as KubeObject;
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, options: { uid?: string } = {}): KubeObject {
    this.assertOpen();
    const scope = scopeOf(type, namespace);
    const resource = resourceKey(type);
    const current = this.read(type, scope, name);
    if (!current) throw notFound(type.plural, name, type.group);
    if (options.uid && options.uid !== current.object.metadata.uid) {
      throw uidPreconditionFailed(type, name, options.uid, current.object.metadata.uid);
    }
    const last = current.object;
    let json = '';
    this.write(() => {
      const rv = this.nextRv();
      last.metadata.resourceVersion = String(rv);
      json = JSON.stringify(last);
      this.stmt.remove.run(resource, scope, name);
      this.count('');
      return { rv, type: 'DELETED', resource, namespace: scope, name, json };
    });
    this.overlay.delete(objectKey(resource, scope, name));
    return JSON.parse(json) as KubeObject;
  }

  watch(type: ResourceType, options: WatchOptions, listener: (event: WatchEvent) => void): () => void {
    this.assertOpen();
    const filter = compileFilter(type.kind, { ...options, namespace: type.namespaced ? options.namespace : undefined });
    const from = parseResourceVersion(options.resourceVersion);
    const history = from === undefined ? [] : this.changes.since(from);
    const watcher = this.watchers.add(resourceKey(type), filter, listener, from ?? this.rv);
    this.watchers.replay(watcher, history);
    return () => this.watchers.remove(watcher);
  }

  batch<T>(fn: () => T): T {
    this.assertOpen();
    if (this.batched) return fn();
    const records: ChangeRecord[] = [];
    const ceiling = this.rvCeiling;
    const transactions = this.stats.transactions;
    this.db.exec('BEGIN IMMEDIATE');
    this.batched = records;
    let result: T | undefined;
    let failure: { error: unknown } | undefined;
    try {
      result = fn();
    } catch (error) {
      // The writes fn made before it failed are acknowledged to fn: they commit like the others.
      failure = { error };
    } finally {
      this.batched = undefined;
    }
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.rvCeiling = ceiling;
      this.stats.transactions = transactions;
      throw storageError(error);
    }
    // Writes inside the batch counted as transactions; the batch is one.
    this.stats.transactions = transactions + 1;
    // All of the batch is queued before any listener runs: a listener's own write comes after it.
    for (const record of records) this.changes.append(record);
    this.watchers.publish(records);
    if (failure) throw failure.error;
    return result as T;
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  /** Writes coalesced heartbeat objects to disk now (also runs every `heartbeatFlushSeconds` and on close). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.closed || this.overlay.size === 0) return;
    const pending = [...this.overlay];
    this.db.transaction(() => {
      for (const [key, json] of pending) {
        const [resource, namespace, name] = key.split('\0');
        const object = JSON.parse(json) as KubeObject;
        this.stmt.replace.run(
          object.metadata.uid as string,
          json,
          Number(object.metadata.resourceVersion),
          resource,
          namespace,
          name,
        );
        this.count(json);
      }
    })();
    this.stats.transactions++;
    this.stats.flushes++;
    for (const [key, json] of pending) if (this.overlay.get(key) === json) this.overlay.delete(key);
  }

  writeStats(): StoreWriteStats {
    return { ...this.stats };
  }

  /** The oldest resourceVersion a watch can still resume from (older → 410 Gone). */
  oldestResumableResourceVersion(): string {
    return String(this.changes.oldestResumable());
  }

  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } catch (error) {
      // Only volatile fields were pending (see docs/storage.md): lose them, not the shutdown.
      console.error('peapod store: final flush failed', error);
    }
    this.closed = true;
    this.watchers.clear();
    this.db.close();
    this.ownerLock.close();
  }

  // -------------------------------------------------------------------------------------------

  /** A timer only while something waits in memory: an idle hub never wakes up for this. */
  private armFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        console.error('peapod store: flushing heartbeats failed; retrying later', error);
        this.armFlush();
      }
    }, this.flushDelayMs);
    this.flushTimer.unref();
  }

  /**
   * The stored JSON of every object of `type` matching `options`, in key order. Objects are parsed
   * only when a label or field selector has to look at them (and handed to `visit` then).
   */
  private scan(type: ResourceType, options: ListOptions, visit: (json: string, object?: KubeObject) => void): void {
    const filter = compileFilter(type.kind, { ...options, namespace: type.namespaced ? options.namespace : undefined });
    const resource = resourceKey(type);
    const rows = filter.namespace
      ? this.stmt.listNamespace.all(resource, filter.namespace)
      : this.stmt.listAll.all(resource);
    const selective = filter.labels !== undefined || filter.fields !== undefined;
    const overlay = this.overlay.size > 0 ? this.overlay : undefined;
    for (const row of rows) {
      const json = overlay?.get(objectKey(resource, row.namespace, row.name)) ?? row.body;
      if (!selective) {
        visit(json);
        continue;
      }
      const object = JSON.parse(json) as KubeObject;
      if (matchesFilter(filter, object)) visit(json, object);
    }
  }

  private read(type: ResourceType, namespace: string, name: string): Current | undefined {
    const resource = resourceKey(type);
    const pending = this.overlay.get(objectKey(resource, namespace, name));
    if (pending) return { json: pending, object: JSON.parse(pending) as KubeObject };
    return this.readDisk(resource, namespace, name);
  }

  private readDisk(resource: string, namespace: string, name: string): Current | undefined {
    const row = this.stmt.get.get(resource, namespace, name);
    return row ? { json: row.body, object: JSON.parse(row.body) as KubeObject } : undefined;
  }

  /** Runs one write as one transaction, then records and publishes its change. */
  private write(body: () => ChangeRecord): void {
    if (this.batched && !this.db.inTransaction) {
      // SQLite rolled the whole batch back (e.g. disk full): a write now would commit on its own.
      throw internalError('storage write failed: the batch this write belongs to was rolled back');
    }
    const ceiling = this.rvCeiling;
    let record: ChangeRecord;
    try {
      record = this.db.transaction(body)();
    } catch (error) {
      this.rvCeiling = ceiling; // the reservation rolled back with the transaction
      throw storageError(error);
    }
    this.stats.transactions++;
    this.commitChange(record);
  }

  /** Records and publishes a committed change; inside a batch, after the batch commits. */
  private commitChange(record: ChangeRecord): void {
    if (this.batched) {
      this.batched.push(record);
      return;
    }
    this.changes.append(record);
    this.watchers.publish([record]);
  }

  /**
   * The next resourceVersion. Versions are reserved on disk a block at a time; inside a write
   * transaction the reservation commits with the write, outside (coalesced writes) on its own.
   */
  private nextRv(outsideTransaction = false): number {
    const rv = ++this.rv;
    if (rv > this.rvCeiling) {
      const ceiling = rv + RV_BLOCK - 1;
      const reserve = () => this.stmt.setMeta.run('rv_ceiling', String(ceiling));
      if (outsideTransaction) {
        try {
          this.db.transaction(reserve)();
        } catch (error) {
          this.rv--; // nothing was handed out
          throw storageError(error);
        }
        this.stats.transactions++;
      } else reserve();
      this.rvCeiling = ceiling;
      this.count(String(ceiling));
    }
    return rv;
  }

  private count(payload: string): void {
    this.stats.rowsWritten++;
    this.stats.bytesWritten += Buffer.byteLength(payload);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('peapod store: closed');
  }
}

/** Builds the object an update stores: system metadata from the stored copy, generation rule. */
function nextVersion(type: ResourceType, stored: KubeObject, input: KubeObject, options: UpdateOptions): KubeObject {
  let next: KubeObject;
  if (options.subresource === 'status') {
    // `stored` was parsed for this update alone (nothing else holds it): share its fields, copy the
    // metadata this function changes.
    next = { ...stored, metadata: { ...stored.metadata } };
    if (input.status === undefined) delete next.status;
    else next.status = input.status;
  } else {
    next = input;
    next.apiVersion = apiVersionOf(type);
    next.kind = type.kind;
    if (options.keepStatus !== false) {
      if (stored.status === undefined) delete next.status;
      else next.status = jsonCopy(stored.status);
    }
  }
  next.metadata.uid = stored.metadata.uid;
  next.metadata.creationTimestamp = stored.metadata.creationTimestamp;
  next.metadata.resourceVersion = stored.metadata.resourceVersion;
  if (type.namespaced) next.metadata.namespace = stored.metadata.namespace;
  else delete next.metadata.namespace;
  if (next.metadata.generateName === undefined) delete next.metadata.generateName;
  const generation = stored.metadata.generation ?? 1;
  // Like apiserver, the start of deletion also counts: controllers must notice the new intent.
  const deletionStarted = !stored.metadata.deletionTimestamp && !!next.metadata.deletionTimestamp;
  next.metadata.generation = desiredStateChanged(stored, next) || deletionStarted ? generation + 1 : generation;
  return next;
}

function parseResourceVersion(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (!/^[0-9]+$/.test(value)) {
    throw badRequest(
      `resourceVersion: Invalid value: "${value}": strconv.ParseUint: parsing "${value}": invalid syntax`,
    );
  }
  return Number(value);
}

/**
 * One process owns a database: two hubs interleaving writes would hand out the same
 * resourceVersions. An exclusive SQLite lock on a side file is released by the OS when the
 * owner exits, however it exits (kill -9 included).
 */
function acquireOwnerLock(lockPath: string, databasePath: string): Database.Database {
  const lock = new Database(lockPath, { timeout: 0 });
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if (error instanceof Database.SqliteError && error.code === 'SQLITE_BUSY') {
      throw new Error(`peapod store: ${databasePath} is in use by another hub (or store) instance`);
    }
    throw error;
  }
  return lock;
}

/** Disk full, I/O error…: nothing was written; the caller gets a Kubernetes-shaped 500. */
function storageError(error: unknown): unknown {
  return error instanceof Database.SqliteError ? internalError(`storage write failed: ${error.message}`) : error;
}

export function resourceKey(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

function objectKey(resource: string, namespace: string, name: string): string {
  return `${resource}\0${namespace}\0${name}`;
}

/** The namespace column: '' for cluster-scoped kinds, `default` when a namespaced one has none. */
function scopeOf(type: ResourceType, namespace: string | undefined): string {
  return type.namespaced ? namespace || 'default' : '';
}

function resolveDatabasePath(location: string): string {
  if (location.endsWith('.db') || location.endsWith('.sqlite')) return location;
  try {
    if (statSync(location).isFile()) return location;
  } catch {
    // does not exist yet: a data directory
  }
  return join(location, DATABASE_FILE);
}
