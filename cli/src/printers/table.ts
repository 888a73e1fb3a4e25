/** Prints server-side `meta.k8s.io/v1` Tables the way kubectl's table printer does. */
import { TABLE_OPTIONS, TabWriter } from './tabwriter.js';

export interface TableColumn {
  name: string;
  type?: string;
  format?: string;
  priority?: number;
}
export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };
}
export interface Table {
  kind: 'Table';
  apiVersion?: string;
  metadata?: { resourceVersion?: string };
  columnDefinitions?: TableColumn[];
  rows?: TableRow[];
}

export interface TablePrintOptions {
  wide?: boolean;
  noHeaders?: boolean;
  showLabels?: boolean;
  /** Prepend NAMESPACE (from `rows[].object.metadata.namespace`). */
  withNamespace?: boolean;
  /** Prefix names with `pod/` etc. (several types in one `get`). */
  kindPrefix?: string;
  /** Extra label columns (`-L key`). */
  labelColumns?: string[];
}

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'Table';
}

/** `a=b,c=d` with keys sorted, `<none>` when empty (apimachinery labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '<none>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The header and row cells of a Table, as string arrays, honouring the print options. */
export function tableCells(table: Table, o: TablePrintOptions): { header: string[]; rows: string[][] } {
  const cols = (table.columnDefinitions ?? []).map((c, i) => ({ c, i })).filter(({ c }) => o.wide || !c.priority);
  const header = cols.map(({ c }) => c.name.toUpperCase());
  if (o.withNamespace) header.unshift('NAMESPACE');
  // kubectl heads a label column with the key's last path segment (`peapod.io/profile` → PROFILE).
  for (const l of o.labelColumns ?? []) header.push(l.split('/').pop()!.toUpperCase());
  if (o.showLabels) header.push('LABELS');
  const rows = (table.rows ?? []).map((r) => {
    const cells = cols.map(({ c, i }) => {
      const text = cellText(r.cells[i]);
      return o.kindPrefix && c.format === 'name' ? `${o.kindPrefix}/${text}` : text;
    });
    const meta = r.object?.metadata ?? {};
    if (o.withNamespace) cells.unshift(meta.namespace ?? '');
    for (const l of o.labelColumns ?? []) cells.push(meta.labels?.[l] ?? '');
    if (o.showLabels) cells.push(formatLabels(meta.labels));
    return cells;
  });
  return { header, rows };
}

/** Stateful table printer: the header once, then rows, with column widths remembered (for `-w`). */
export class TablePrinter {
  private readonly writer = new TabWriter(TABLE_OPTIONS);
  private headerPrinted = false;

  constructor(private readonly o: TablePrintOptions) {}

  print(table: Table): string {
    const { header, rows } = tableCells(table, this.o);
    const lines: string[][] = [];
    if (!this.o.noHeaders && !this.headerPrinted) {
      lines.push(header);
      this.headerPrinted = true;
    }
    lines.push(...rows);
    if (lines.length === 0) return '';
    return this.writer.format(lines.map((l) => l.join('\t')).join('\n') + '\n');
  }
}
