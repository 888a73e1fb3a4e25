/**
 * Manifest decoding (`kubectl apply -f`): multi-document YAML or JSON, `kind: List` flattened,
 * empty documents skipped. Errors name the source, the document (1-based) and the line.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from './types.js';

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly document: number,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

type Fail = (doc: number, line: number | undefined, msg: string) => never;

/** Checks one decoded document and appends its objects (a `List` contributes its items). */
function collect(value: unknown, doc: number, line: number | undefined, out: KubeObject[], fail: Fail): void {
  if (value === null || value === undefined) return;
  const check = (obj: unknown, what: string): KubeObject => {
    if (!isPlainObject(obj)) return fail(doc, line, `${what} must be an object, got ${describe(obj)}`);
    const missing = ['apiVersion', 'kind'].filter((k) => typeof obj[k] !== 'string' || obj[k] === '');
    if (missing.length) return fail(doc, line, `${what}: ${missing.map((k) => `${k} not set`).join(', ')}`);
    if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) {
      return fail(doc, line, `${what}: metadata must be an object, got ${describe(obj.metadata)}`);
    }
    return { ...obj, metadata: (obj.metadata as KubeObject['metadata']) ?? {} } as KubeObject;
  };
  const obj = check(value, 'object');
  const items = (obj as { items?: unknown }).items;
  if (obj.kind === 'List' || (obj.kind.endsWith('List') && Array.isArray(items))) {
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) fail(doc, line, `items must be an array, got ${describe(items)}`);
    (items as unknown[]).forEach((item, j) => {
      out.push(check(item, `items[${j}]`));
    });
    return;
  }
  out.push(obj);
}

/**
 * Splits a stream of concatenated JSON objects (`{…}{…}` or one per line, as kubectl accepts) into
 * `[offset, text]` pieces; `undefined` when `text` is not such a stream.
 */
function splitJsonStream(text: string): [number, string][] | undefined {
  const pieces: [number, string][] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) pieces.push([start, text.slice(start, i + 1)]);
    } else if (depth === 0 && !/\s/.test(c)) {
      return undefined;
    }
  }
  return depth === 0 && pieces.length > 1 ? pieces : undefined;
}

/**
 * Decodes every object in `text`: multi-document YAML, JSON, or a stream of JSON objects.
 * `source` names the input in errors, e.g. `error parsing hello.yaml: document 2, line 7: …`.
 * Throws `ManifestError`.
 */
export function decodeManifests(text: string, source = '<stdin>'): KubeObject[] {
  const input = text.replace(/^\uFEFF/, '');
  const fail: Fail = (doc, line, msg) => {
    const where = line !== undefined ? `document ${doc}, line ${line}` : `document ${doc}`;
    throw new ManifestError(`error parsing ${source}: ${where}: ${msg}`, source, doc, line);
  };
  const out: KubeObject[] = [];
  const lineCounter = new LineCounter();
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);

  const stream = /^\s*\{/.test(input) ? splitJsonStream(input) : undefined;
  if (stream) {
    const lineAt = (offset: number) => input.slice(0, offset).split('\n').length;
    stream.forEach(([offset, piece], i) => {
      let value: unknown;
      try {
        value = JSON.parse(piece);
      } catch (e) {
        fail(i + 1, lineAt(offset), (e as Error).message);
      }
      collect(value, i + 1, lineAt(offset), out, fail);
    });
    return out;
  }

  const docs = parseAllDocuments(input, { lineCounter, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const n = i + 1;
    const err = doc.errors[0];
    if (err) fail(n, lineOf(err.pos[0]), err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
    if (doc.contents === null) return;
    const startLine = lineOf(doc.contents.range?.[0]);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      fail(n, startLine, (e as Error).message);
    }
    collect(value, n, startLine, out, fail);
  });
  return out;
}
