import { deepClone, isObject, type JsonObject, PatchError } from './json-value.js';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for the kinds Peapod serves,
 * with the upstream patch strategies of core/v1 and apps/v1: lists with a merge key merge item by
 * item, `finalizers` merge as a set, every other list is replaced; `null` deletes a map key;
 * directives `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>` are honoured.
 */

type ListStrategy = { mergeKey: string } | 'set' | 'replace';

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  podIPs: 'ip',
  hostIPs: 'ip',
  readinessGates: 'conditionType',
  topologySpreadConstraints: 'topologyKey',
};

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** `path` is the chain of field names from the object root (list indices left out). */
export function listStrategy(path: readonly string[]): ListStrategy {
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  if (field === 'finalizers' && parent === 'metadata') return 'set';
  if (field === 'ports') {
    if (path.length === 2 && parent === 'spec') return { mergeKey: 'port' }; // Service
    if (CONTAINER_LISTS.has(parent)) return { mergeKey: 'containerPort' };
    return 'replace';
  }
  if (field === 'conditions' && parent === 'status') return { mergeKey: 'type' };
  if (field === 'addresses' && parent === 'status') return { mergeKey: 'type' }; // Node
  const key = MERGE_KEYS[field];
  return key ? { mergeKey: key } : 'replace';
}

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

function isDirectiveKey(key: string): boolean {
  return key.startsWith('$');
}

/** A copy of a patch fragment with every directive removed (for inserted or replacing values). */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .filter((v) => !(isObject(v) && v.$patch === 'replace' && Object.keys(v).length === 1))
      .map(stripDirectives);
  }
  if (!isObject(value)) return deepClone(value);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (!isDirectiveKey(k) && k !== '__proto__' && v !== null) out[k] = stripDirectives(v);
  }
  return out;
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as JsonObject;
  if (directive !== undefined && directive !== 'merge') {
    throw new PatchError(`unknown patch type "${String(directive)}" in $patch`, true);
  }

  const result: JsonObject = { ...original };
  const orders: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(SET_ORDER)) {
      orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw new PatchError(`${key} must be a list`, true);
      if (Array.isArray(result[field])) {
        result[field] = (result[field] as unknown[]).filter((v) => !value.some((d) => d === v));
      }
      continue;
    }
    if (isDirectiveKey(key) || key === '__proto__') continue;
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, [...path, key]);
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(result[key]) ? (result[key] as JsonObject) : {}, value, [...path, key]);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }

  for (const [field, order] of orders) {
    if (Array.isArray(result[field]) && Array.isArray(order)) {
      result[field] = applyElementOrder(result[field] as unknown[], order, listStrategy([...path, field]));
    }
  }

  if ('$retainKeys' in patch) {
    const retain = patch.$retainKeys;
    if (!Array.isArray(retain)) throw new PatchError('$retainKeys must be a list of field names', true);
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown, patch: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(path);
  const current = Array.isArray(original) ? original : [];
  if (strategy === 'replace') return stripDirectives(patch) as unknown[];
  if (strategy === 'set') {
    const out = [...current];
    for (const item of patch) if (!out.some((v) => v === item)) out.push(item);
    return out;
  }

  const key = strategy.mergeKey;
  const replaceAll = patch.some((item) => isObject(item) && item.$patch === 'replace');
  let result: unknown[] = replaceAll ? [] : deepClone(current);
  for (const item of patch) {
    if (!isObject(item)) throw new PatchError(`list ${path.join('.')} takes objects with merge key "${key}"`, true);
    if (item.$patch === 'replace' && Object.keys(item).length === 1) continue;
    if (!(key in item)) {
      throw new PatchError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`, true);
    }
    if (item.$patch === 'delete') {
      result = result.filter((existing) => !(isObject(existing) && existing[key] === item[key]));
      continue;
    }
    const index = result.findIndex((existing) => isObject(existing) && existing[key] === item[key]);
    if (index >= 0) {
      const merged = mergeMap(result[index] as JsonObject, item, path);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    } else {
      const inserted = mergeMap({}, item, path);
      if (inserted !== undefined) result.push(inserted);
    }
  }
  return result;
}

/** Items named in `order` come first, in that order; the others keep their relative order after them. */
function applyElementOrder(list: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  const keyOf = (item: unknown): unknown =>
    typeof strategy === 'object' ? (isObject(item) ? item[strategy.mergeKey] : undefined) : item;
  const wanted = order.map(keyOf);
  const rank = (item: unknown): number => {
    const i = wanted.indexOf(keyOf(item));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return list
    .map((item, i) => ({ item, i }))
    .sort((a, b) => rank(a.item) - rank(b.item) || a.i - b.i)
    .map((e) => e.item);
}

export function applyStrategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new PatchError('a strategic merge patch must be a JSON object', true);
  return mergeMap(isObject(original) ? original : {}, patch, []) ?? {};
}
