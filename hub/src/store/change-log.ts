import { gone } from '@peapod/core';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, kept as JSON so retained history costs one string per change. */
export interface ChangeRecord {
  rv: number;
  type: ChangeType;
  /** Storage key of the resource type (`pods`, `deployments.apps`). */
  resource: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** The object after the change (for DELETED: its last state, carrying the deletion's rv). */
  json: string;
  /** The object before the change (MODIFIED only), for selector transitions. */
  previousJson?: string;
}

export interface ChangeLogLimits {
  maxEvents: number;
  maxBytes: number;
}

/**
 * A bounded ring of recent changes: the history watches resume from. Everything newer than
 * `horizon` is retained; asking for anything older is a 410 Gone.
 *
 * A MODIFIED record's `previousJson` is usually the `json` of the object's previous record, read
 * back from disk as a new string of the same text; the log keeps the retained copy instead, so a
 * run of changes to one object costs one string per change, not two. The byte bound still counts
 * both (conservative: a shared string outlives the older record that brought it).
 */
export class ChangeLog {
  private readonly records: (ChangeRecord | undefined)[];
  /** The newest retained record of each object, by `changeKey`. */
  private readonly latest = new Map<string, ChangeRecord>();
  private head = 0;
  private size = 0;
  private bytes = 0;
  /** Every change with rv > horizon is retained. */
  private horizon: number;

  constructor(
    private readonly limits: ChangeLogLimits,
    startRv: number,
  ) {
    this.records = new Array(limits.maxEvents);
    this.horizon = startRv;
  }

  append(record: ChangeRecord): void {
    const key = changeKey(record);
    const before = this.latest.get(key);
    if (before && record.previousJson !== undefined && record.previousJson === before.json) {
      record.previousJson = before.json;
    }
    this.latest.set(key, record);
    if (this.size === this.limits.maxEvents) this.dropOldest();
    this.records[(this.head + this.size) % this.limits.maxEvents] = record;
    this.size++;
    this.bytes += recordBytes(record);
    while (this.bytes > this.limits.maxBytes && this.size > 1) this.dropOldest();
  }

  /** Changes with rv > `rv`, oldest first. Throws Gone when some of them are no longer retained. */
  since(rv: number): ChangeRecord[] {
    if (rv < this.horizon) {
      throw gone(`too old resource version: ${rv} (${this.horizon + 1})`);
    }
    const out: ChangeRecord[] = [];
    for (let i = 0; i < this.size; i++) {
      const record = this.records[(this.head + i) % this.limits.maxEvents] as ChangeRecord;
      if (record.rv > rv) out.push(record);
    }
    return out;
  }

  /** The oldest resourceVersion a watch may resume from. */
  oldestResumable(): number {
    return this.horizon;
  }

  private dropOldest(): void {
    const record = this.records[this.head] as ChangeRecord;
    this.records[this.head] = undefined;
    const key = changeKey(record);
    if (this.latest.get(key) === record) this.latest.delete(key);
    this.head = (this.head + 1) % this.limits.maxEvents;
    this.size--;
    this.bytes -= recordBytes(record);
    this.horizon = record.rv;
  }
}

function changeKey(record: ChangeRecord): string {
  return `${record.resource}\0${record.namespace}\0${record.name}`;
}

function recordBytes(record: ChangeRecord): number {
  // UTF-16 in memory; a rough but monotonic measure is all the bound needs.
  return 2 * (record.json.length + (record.previousJson?.length ?? 0)) + 64;
}
