import type { FieldSelector, KubeObject, Selector } from '@peapod/core';
import { badRequest, FieldSelectorError, parseFieldSelector, parseLabelSelector, SelectorError } from '@peapod/core';
import type { ChangeRecord } from './change-log.js';
import type { WatchEvent } from './types.js';

interface Watcher {
  resource: string;
  namespace?: string;
  labels?: Selector;
  fields?: FieldSelector;
  listener: (event: WatchEvent) => void;
  /** Highest rv delivered: never deliver twice or out of order. */
  lastRv: number;
  closed: boolean;
}

export interface ObjectFilter {
  namespace?: string;
  labels?: Selector;
  fields?: FieldSelector;
}

/** Parses `labelSelector` / `fieldSelector` once; a bad selector is a 400 BadRequest. */
export function compileFilter(
  kind: string,
  options: { namespace?: string; labelSelector?: string; fieldSelector?: string },
): ObjectFilter {
  const filter: ObjectFilter = { namespace: options.namespace || undefined };
  try {
    if (options.labelSelector) {
      const labels = parseLabelSelector(options.labelSelector);
      if (!labels.empty) filter.labels = labels;
    }
    if (options.fieldSelector) {
      const fields = parseFieldSelector(options.fieldSelector, kind);
      if (!fields.empty) filter.fields = fields;
    }
  } catch (error) {
    if (error instanceof SelectorError || error instanceof FieldSelectorError) throw badRequest(error.message);
    throw error;
  }
  return filter;
}

export function matchesFilter(filter: ObjectFilter, object: KubeObject): boolean {
  if (filter.namespace !== undefined && (object.metadata.namespace ?? '') !== filter.namespace) return false;
  if (filter.labels && !filter.labels.matches(object.metadata.labels ?? {})) return false;
  if (filter.fields && !filter.fields.matches(object)) return false;
  return true;
}

/**
 * The live watch registrations and the in-order fan-out of committed changes. Selectors follow
 * the Kubernetes watch cache: an object that stops matching is delivered as DELETED (its previous
 * content with the new resourceVersion), one that starts matching as ADDED.
 */
export class WatcherSet {
  private readonly watchers = new Set<Watcher>();
  private readonly queue: ChangeRecord[] = [];
  private draining = false;

  add(resource: string, filter: ObjectFilter, listener: (event: WatchEvent) => void, fromRv: number): Watcher {
    const watcher: Watcher = { resource, listener, lastRv: fromRv, closed: false, ...filter };
    this.watchers.add(watcher);
    return watcher;
  }

  remove(watcher: Watcher): void {
    watcher.closed = true;
    this.watchers.delete(watcher);
  }

  /** Delivers history to one watcher (on subscribe). */
  replay(watcher: Watcher, records: ChangeRecord[]): void {
    for (const record of records) this.deliver(watcher, new ParsedChange(record));
  }

  /**
   * Queues committed changes (in rv order); listeners that write re-enter here and are served in
   * rv order, after everything queued before them.
   */
  publish(records: readonly ChangeRecord[]): void {
    for (const record of records) this.queue.push(record);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let record = this.queue.shift(); record; record = this.queue.shift()) {
        const change = new ParsedChange(record);
        for (const watcher of [...this.watchers]) this.deliver(watcher, change);
      }
    } finally {
      this.draining = false;
    }
  }

  clear(): void {
    for (const watcher of this.watchers) watcher.closed = true;
    this.watchers.clear();
  }

  get count(): number {
    return this.watchers.size;
  }

  private deliver(watcher: Watcher, change: ParsedChange): void {
    const { record } = change;
    if (watcher.closed || record.resource !== watcher.resource || record.rv <= watcher.lastRv) return;
    watcher.lastRv = record.rv;
    const event = toWatchEvent(watcher, change);
    if (!event) return;
    try {
      watcher.listener(event);
    } catch (error) {
      // A failing listener must never break the writer or the other watchers.
      console.error('peapod store: watch listener failed', error);
    }
  }
}

/**
 * A change parsed once for selector matching, shared by all watchers (read-only); each watcher
 * that receives it gets its own fresh copy.
 */
class ParsedChange {
  private parsedObject?: KubeObject;
  private parsedPrevious?: KubeObject;

  constructor(readonly record: ChangeRecord) {}

  get object(): KubeObject {
    this.parsedObject ??= JSON.parse(this.record.json) as KubeObject;
    return this.parsedObject;
  }

  get previous(): KubeObject | undefined {
    if (!this.record.previousJson) return undefined;
    this.parsedPrevious ??= JSON.parse(this.record.previousJson) as KubeObject;
    return this.parsedPrevious;
  }
}

function toWatchEvent(filter: ObjectFilter, change: ParsedChange): WatchEvent | undefined {
  const { record } = change;
  const unfiltered = !filter.namespace && !filter.labels && !filter.fields;
  if (unfiltered) return storedEvent(record.type, record.json);
  const matchesNow = matchesFilter(filter, change.object);
  if (record.type !== 'MODIFIED') return matchesNow ? storedEvent(record.type, record.json) : undefined;
  const matchedBefore = change.previous ? matchesFilter(filter, change.previous) : false;
  if (matchesNow) return storedEvent(matchedBefore ? 'MODIFIED' : 'ADDED', record.json);
  if (!matchedBefore || !record.previousJson) return undefined;
  const previous = JSON.parse(record.previousJson) as KubeObject;
  previous.metadata.resourceVersion = change.object.metadata.resourceVersion;
  return { type: 'DELETED', object: previous };
}

/**
 * An event carrying the stored object: `object` is this watcher's own copy, parsed on first access
 * (a watcher that only forwards `json`, like an HTTP watch, never pays for the parse).
 */
function storedEvent(type: WatchEvent['type'], json: string): WatchEvent {
  let object: KubeObject | undefined;
  return {
    type,
    json,
    get object(): KubeObject {
      object ??= JSON.parse(json) as KubeObject;
      return object;
    },
    set object(value: KubeObject) {
      object = value;
    },
  };
}
