/**
 * Field selectors (`?fieldSelector=`, `kubectl --field-selector`), apimachinery `pkg/fields`:
 * comma-separated terms `path=value`, `path==value`, `path!=value`, all ANDed. Backslash escapes
 * `\,` `\=` `\\` in values. A missing field reads as '' so `spec.nodeName=` selects unscheduled pods.
 */
import type { KubeObject } from './types.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  matches(obj: KubeObject): boolean;
  toString(): string;
}

export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Fields each kind supports in field selectors, as the Kubernetes API server registers them. */
export const SUPPORTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: [
    ...COMMON_FIELDS,
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Node: [...COMMON_FIELDS, 'spec.unschedulable'],
  Namespace: [...COMMON_FIELDS, 'status.phase'],
  Service: [...COMMON_FIELDS, 'spec.clusterIP', 'spec.type'],
  Endpoints: COMMON_FIELDS,
  Event: [
    ...COMMON_FIELDS,
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Deployment: COMMON_FIELDS,
  ReplicaSet: [...COMMON_FIELDS, 'status.replicas'],
};

/** Reads a dotted path (`spec.nodeName`) as a string: missing → '', booleans/numbers stringified. */
export function fieldValue(obj: unknown, path: string): string {
  // Events' `source` field selector means `source.component`.
  const effective = path === 'source' && (obj as { kind?: string })?.kind === 'Event' ? 'source.component' : path;
  let cur: unknown = obj;
  for (const part of effective.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return '';
}

function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === ',') {
      terms.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  terms.push(cur);
  return terms;
}

function unescapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      const n = v[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw new FieldSelectorError(`invalid field selector value: '${v}'`);
    }
    if (c === ',' || c === '=') throw new FieldSelectorError(`invalid field selector value: '${v}'`);
    out += c;
  }
  return out;
}

function escapeValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses a field selector. With `kind`, fields outside `SUPPORTED_FIELDS[kind]` are rejected with
 * the API server's message `field label not supported: <field>`. Throws `FieldSelectorError`.
 */
export function parseFieldSelector(s: string, kind?: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(s).sort()) {
    if (term === '') continue;
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (!m) throw new FieldSelectorError(`invalid selector: '${s}'; can't understand '${term}'`);
    const [, field, op, rhs] = m;
    const allowed = kind ? SUPPORTED_FIELDS[kind] : undefined;
    if (allowed && !allowed.includes(field)) throw new FieldSelectorError(`field label not supported: ${field}`);
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
  }
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (obj) => reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator === '=')),
    toString: () => reqs.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(','),
  };
}
