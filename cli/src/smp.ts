/**
 * Client-side apply: the three-way strategic merge patch kubectl computes from the
 * last-applied-configuration (original), the new manifest (modified) and the live object (current).
 * Additions and changes come from current→modified; deletions from original→modified. Lists with a
 * merge key (containers by `name`, volumeMounts by `mountPath`, …) are patched item by item, with
 * `$setElementOrder/<list>` and `$patch: delete` directives; other lists are replaced whole.
 */

type Json = unknown;
type JsonMap = Record<string, Json>;

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function isMap(v: Json): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The merge key of the list at `path` (map keys only), following the upstream `patchMergeKey` tags. */
export function mergeKeyFor(path: string[]): string | undefined {
  const last = path[path.length - 1];
  switch (last) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'ports': {
      const parent = path[path.length - 2];
      return parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers'
        ? 'containerPort'
        : 'port';
    }
    case 'conditions':
      return 'type';
    case 'hostAliases':
      return 'ip';
    case 'ownerReferences':
      return 'uid';
    default:
      return undefined;
  }
}

interface DiffOpts {
  additions: boolean;
  deletions: boolean;
}

function keyOf(item: Json, mk: string): string | undefined {
  return isMap(item) && item[mk] !== undefined ? JSON.stringify(item[mk]) : undefined;
}

function diffMergeList(from: Json[], to: Json[], mk: string, path: string[], o: DiffOpts): JsonMap[] {
  const out: JsonMap[] = [];
  const fromByKey = new Map<string, JsonMap>();
  for (const i of from) {
    const k = keyOf(i, mk);
    if (k !== undefined) fromByKey.set(k, i as JsonMap);
  }
  const toKeys = new Set<string>();
  for (const item of to) {
    const k = keyOf(item, mk);
    if (k === undefined) continue;
    toKeys.add(k);
    const prev = fromByKey.get(k);
    if (!prev) {
      if (o.additions) out.push(item as JsonMap);
      continue;
    }
    const sub = diffMaps(prev, item as JsonMap, path, o);
    if (Object.keys(sub).length) out.push({ ...sub, [mk]: (item as JsonMap)[mk] });
  }
  if (o.deletions) {
    for (const [k, prev] of fromByKey) if (!toKeys.has(k)) out.push({ [mk]: prev[mk], $patch: 'delete' });
  }
  return out;
}

export function diffMaps(from: JsonMap, to: JsonMap, path: string[], o: DiffOpts): JsonMap {
  const patch: JsonMap = {};
  for (const [key, b] of Object.entries(to)) {
    const a = from[key];
    const p = [...path, key];
    if (a === undefined || a === null) {
      if (o.additions && b !== null && b !== undefined) patch[key] = b;
      continue;
    }
    if (isMap(a) && isMap(b)) {
      const sub = diffMaps(a, b, p, o);
      if (Object.keys(sub).length) patch[key] = sub;
      continue;
    }
    const mk = Array.isArray(a) && Array.isArray(b) ? mergeKeyFor(p) : undefined;
    if (mk && Array.isArray(a) && Array.isArray(b) && b.every(isMap)) {
      const sub = diffMergeList(a, b, mk, p, o);
      if (sub.length) {
        patch[`$setElementOrder/${key}`] = b.map((i) => ({ [mk]: (i as JsonMap)[mk] }));
        patch[key] = sub;
      }
      continue;
    }
    if (o.additions && !deepEqual(a, b)) patch[key] = b;
  }
  if (o.deletions) {
    for (const key of Object.keys(from)) {
      if (!(key in to) && from[key] !== null) patch[key] = null;
    }
  }
  return patch;
}

/** Deep-merges two patches (deletions first, then changes); merge-keyed lists are combined by key. */
export function mergePatches(a: JsonMap, b: JsonMap, path: string[] = []): JsonMap {
  const out: JsonMap = { ...a };
  for (const [key, bv] of Object.entries(b)) {
    const av = out[key];
    const mk = mergeKeyFor([...path, key]);
    if (isMap(av) && isMap(bv)) out[key] = mergePatches(av, bv, [...path, key]);
    else if (mk && Array.isArray(av) && Array.isArray(bv) && !key.startsWith('$')) {
      const merged = [...av] as JsonMap[];
      for (const item of bv as JsonMap[]) {
        const i = merged.findIndex((m) => deepEqual(m[mk], item[mk]));
        if (i >= 0) merged[i] = mergePatches(merged[i], item, [...path, key]);
        else merged.push(item);
      }
      out[key] = merged;
    } else out[key] = bv;
  }
  return out;
}

/** kubectl's `CreateThreeWayMergePatch` for built-in types (strategic). */
export function threeWayMergePatch(original: JsonMap | undefined, modified: JsonMap, current: JsonMap): JsonMap {
  const deletions = original ? diffMaps(original, modified, [], { additions: false, deletions: true }) : {};
  const delta = diffMaps(current, modified, [], { additions: true, deletions: false });
  return mergePatches(deletions, delta);
}

/** Go's json.Marshal of an unstructured object: compact, keys sorted. */
export function canonicalJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isMap(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The manifest with its own last-applied-configuration annotation set, as kubectl stores it: the
 * manifest (namespace filled in, `annotations` present even if empty, minus that annotation) as
 * compact JSON followed by a newline.
 */
export function withLastApplied(manifest: JsonMap, namespace?: string): JsonMap {
  const copy = structuredClone(manifest) as JsonMap & {
    metadata?: JsonMap & { annotations?: Record<string, string>; namespace?: string };
  };
  copy.metadata ??= {};
  const meta = copy.metadata;
  if (namespace && !meta.namespace) meta.namespace = namespace;
  const annotations = { ...(meta.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  meta.annotations = annotations;
  const annotation = `${canonicalJson(copy)}\n`;
  meta.annotations = { ...annotations, [LAST_APPLIED]: annotation };
  return copy;
}

export function lastAppliedOf(obj: JsonMap): JsonMap | undefined {
  const raw = (obj.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[LAST_APPLIED];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as JsonMap;
  } catch {
    return undefined;
  }
}
