import { deepClone, deepEqual, isObject, PatchError } from './json-value.js';

/** RFC 6902 JSON patch (`application/json-patch+json`): add, remove, replace, move, copy, test. */

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`, true);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      const token = t.replace(/~1/g, '/').replace(/~0/g, '~');
      if (token === '__proto__') throw new PatchError(`invalid JSON pointer "${pointer}"`, true);
      return token;
    });
}

function arrayIndex(token: string, length: number, allowEnd: boolean, path: string): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`invalid array index "${token}" in path ${path}`);
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) {
    throw new PatchError(`array index ${index} out of bounds in path ${path}`);
  }
  return index;
}

/** Returns the container of the last token and that token. */
function locate(doc: unknown, tokens: string[], path: string): { parent: unknown; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false, path)];
    else if (isObject(node) && token in node) node = node[token];
    else throw new PatchError(`doc is missing path: "${path}"`);
  }
  return { parent: node, key: tokens[tokens.length - 1] };
}

function getAt(doc: unknown, path: string): unknown {
  let node = doc;
  for (const token of parsePointer(path)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false, path)];
    else if (isObject(node) && token in node) node = node[token];
    else throw new PatchError(`doc is missing path: "${path}"`);
  }
  return node;
}

function addAt(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true, path), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`doc is missing path: "${path}"`);
  return doc;
}

function removeAt(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const { parent, key } = locate(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false, path), 1);
  else if (isObject(parent) && key in parent) delete parent[key];
  else throw new PatchError(`remove operation does not apply: doc is missing path: "${path}"`);
  return doc;
}

function replaceAt(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens, path);
  if (Array.isArray(parent)) parent[arrayIndex(key, parent.length, false, path)] = value;
  else if (isObject(parent) && key in parent) parent[key] = value;
  else throw new PatchError(`replace operation does not apply: doc is missing key: ${path}`);
  return doc;
}

function parseOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new PatchError('a JSON patch must be an array of operations', true);
  return patch.map((op, i) => {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new PatchError(`JSON patch operation ${i} needs string "op" and "path"`, true);
    }
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
      throw new PatchError(`JSON patch operation ${i} (${op.op}) needs a string "from"`, true);
    }
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
      throw new PatchError(`JSON patch operation ${i} (${op.op}) needs a "value"`, true);
    }
    return op as unknown as Operation;
  });
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  let doc = deepClone(target);
  for (const op of parseOperations(patch)) {
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, deepClone(op.value));
        break;
      case 'remove':
        doc = removeAt(doc, op.path);
        break;
      case 'replace':
        doc = replaceAt(doc, op.path, deepClone(op.value));
        break;
      case 'move': {
        const value = getAt(doc, op.from!);
        doc = addAt(removeAt(doc, op.from!), op.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, deepClone(getAt(doc, op.from!)));
        break;
      case 'test':
        if (!deepEqual(getAt(doc, op.path), op.value)) throw new PatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new PatchError(`unexpected JSON patch operation "${op.op}"`, true);
    }
  }
  return doc;
}
