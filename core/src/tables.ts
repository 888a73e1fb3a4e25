/**
 * Server-side `kubectl get` tables (k8s-semantics.md §13.1, kubectl-wire.md §3, kk-print): a
 * `meta.k8s.io/v1` Table with kubectl's default columns (priority 0) and `-o wide` columns
 * (priority 1). Like the API server, all columns are produced; kubectl hides priority-1 columns
 * unless `-o wide`. Pure: `now` fixes the clock for AGE.
 */
import type { ResourceType } from './resources.js';
import { defaultPrinter, PRINTERS, type Printer } from './table-printers.js';
import type { KubeObject, ObjectMeta } from './types.js';

export {
  formatEndpoints,
  formatLabels,
  nodeLastSeen,
  nodeRoles,
  nodeStatusText,
  serviceExternalIP,
  servicePorts,
} from './table-printers.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  object?: KubeObject | PartialObjectMetadata;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface TableOptions {
  /** `false` drops the priority-1 (wide-only) columns; omitted or `true` keeps every column. */
  wide?: boolean;
  /** Clock for AGE columns, ms since epoch (default `Date.now()`). */
  now?: number;
  /** What `rows[].object` holds: `Metadata` (default, PartialObjectMetadata), `Object` (full) or `None`. */
  includeObject?: 'Metadata' | 'Object' | 'None';
  /** Copied into the Table's `metadata`. */
  resourceVersion?: string;
  continue?: string;
}

/** A malformed stored object (e.g. odd status from an agent) yields `<unknown>` cells, not a failed list. */
function safeCells(printer: Printer<KubeObject>, obj: KubeObject, now: number): TableCell[] {
  try {
    return printer.cells(obj, now);
  } catch {
    const name = typeof obj?.metadata?.name === 'string' ? obj.metadata.name : '';
    return printer.columns.map(([column], i) => (i === 0 && column === 'Name' ? name : '<unknown>'));
  }
}

function rowObject(obj: KubeObject, include: TableOptions['includeObject']): TableRow['object'] {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** Builds the `meta.k8s.io/v1` Table for `kubectl get <type>`. */
export function tableFor(type: ResourceType, objects: KubeObject[], options: TableOptions = {}): Table {
  const printer = (PRINTERS[type.kind] ?? defaultPrinter) as Printer<KubeObject>;
  const now = options.now ?? Date.now();
  const keep = printer.columns.map((c) => options.wide !== false || c[2] === 0);
  const columnDefinitions = printer.columns
    .filter((_, i) => keep[i])
    .map(([name, type, priority, description, format]) => ({
      name,
      type,
      format: format ?? '',
      description,
      priority,
    }));
  const rows = objects.map((obj) => {
    const row: TableRow = { cells: safeCells(printer, obj, now).filter((_, i) => keep[i]) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    const object = rowObject(obj, options.includeObject);
    if (object) row.object = object;
    return row;
  });
  const metadata: Table['metadata'] = {};
  if (options.resourceVersion !== undefined) metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions, rows };
}
