/**
 * kubectl describe's PrefixWriter (two spaces per level) over a tab-separated buffer that is laid
 * out with Go tabwriter rules (minwidth 0, padding 2) at the end.
 */
import { DESCRIBE_OPTIONS, TabWriter } from '../printers/tabwriter.js';
import { LAST_APPLIED } from '../smp.js';

export class DescribeWriter {
  private buf = '';

  /** Writes `text` indented by `level` (0–3). */
  write(level: number, text: string): void {
    this.buf += '  '.repeat(level) + text;
  }

  line(level: number, text: string): void {
    this.write(level, `${text}\n`);
  }

  toString(): string {
    return new TabWriter(DESCRIBE_OPTIONS).format(this.buf);
  }

  /** The text with its tabs left in (kubectl prints `rollout history --revision` that way). */
  raw(): string {
    return this.buf;
  }
}

/** Go's time.RFC1123Z: `Mon, 02 Jan 2006 15:04:05 -0700` (UTC here). */
export function rfc1123z(ts: string | undefined): string {
  if (!ts) return '<unset>';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const MAX_ANNOTATION_LEN = 140;

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** printLabelsMultilineWithIndent. */
export function labelsMultiline(
  w: DescribeWriter,
  title: string,
  labels: Record<string, string> | undefined,
  indent = '',
): void {
  w.write(0, `${indent}${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  keys.forEach((k, i) => {
    // kubectl continues with the inner indent only (visible in `rollout history --revision`).
    if (i !== 0) w.write(0, '\t');
    w.write(0, `${k}=${labels![k]}\n`);
  });
}

/** printAnnotationsMultilineWithIndent (long or multi-line values on their own lines). */
export function annotationsMultiline(
  w: DescribeWriter,
  title: string,
  annotations: Record<string, string> | undefined,
  indent = '',
): void {
  w.write(0, `${indent}${title}:\t`);
  // kubectl never shows the client-side apply bookkeeping annotation.
  const keys = Object.keys(annotations ?? {})
    .filter((k) => k !== LAST_APPLIED)
    .sort();
  if (keys.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  const indented = `${indent}\t`;
  keys.forEach((k, i) => {
    if (i !== 0) w.write(0, indented);
    const value = annotations![k].replace(/\n$/, '');
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${k}:\n`);
      for (const s of value.split('\n')) w.write(0, `${indented}  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else w.write(0, `${k}: ${value}\n`);
  });
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function tolerationsMultiline(
  w: DescribeWriter,
  title: string,
  tolerations: Toleration[] | undefined,
  indent = '',
): void {
  w.write(0, `${indent}${title}:\t`);
  if (!tolerations?.length) {
    w.write(0, '<none>\n');
    return;
  }
  const sorted = [...tolerations].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
  sorted.forEach((t, i) => {
    if (i !== 0) w.write(0, `${indent}\t`);
    let s = t.key ?? '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
    w.write(0, `${s}\n`);
  });
}

export function taintsMultiline(
  w: DescribeWriter,
  title: string,
  taints: { key: string; value?: string; effect: string }[] | undefined,
): void {
  w.write(0, `${title}:\t`);
  if (!taints?.length) {
    w.write(0, '<none>\n');
    return;
  }
  taints.forEach((t, i) => {
    if (i !== 0) w.write(0, '\t');
    w.write(0, `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`);
  });
}

export interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
  source?: { component?: string };
  reportingController?: string;
  series?: { count?: number; lastObservedTime?: string };
}

/** The Events block (DescribeEvents): sorted by last time, `12s (x4 over 65s)` for repeats. */
export function describeEvents(w: DescribeWriter, events: EventLike[], since: (ts?: string) => string): void {
  if (events.length === 0) {
    w.write(0, 'Events:\t<none>\n');
    return;
  }
  const last = (e: EventLike) =>
    Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '') || 0;
  const sorted = [...events].sort((a, b) => last(a) - last(b));
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = since(e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp);
    let interval = first;
    if (e.series?.count) interval = `${since(e.series.lastObservedTime)} (x${e.series.count} over ${first})`;
    else if ((e.count ?? 0) > 1) interval = `${since(e.lastTimestamp)} (x${e.count} over ${first})`;
    const source = e.source?.component || e.reportingController || '';
    // kubectl 1.32 prints the message alone (no involvedObject.fieldPath prefix).
    w.write(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}
