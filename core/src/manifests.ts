/**
 * Manifest decoding (`kubectl apply -f`): multi-document YAML or JSON, `kind: List` flattened,
 * empty documents skipped. Errors name the source, the document (1-based) and the line.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { parseMiniYaml, UnsupportedYaml } from './mini-yaml.js';
import type { KubeObject } from './types.js';

/** The `yaml` package (~50 ms to load), only for manifests outside the small reader's subset. */
const loadYaml = (): typeof Yaml => createRequire(import.meta.url)('yaml') as typeof Yaml;

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

const DOCUMENT_START = /^---\s*(#.*)?$/;
const hasContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');

/**
 * The documents of `input` read with the small YAML reader (core/src/mini-yaml.ts), each with the
 * line of its first content; undefined when any part is outside its subset (the caller then uses
 * the full parser, which also gives the precise errors).
 */
function decodeSimpleYaml(input: string): { value: unknown; line: number | undefined }[] | undefined {
  const lines = input.split(/\r?\n/);
  const docs: { value: unknown; line: number | undefined }[] = [];
  let start = 0;
  let explicit = false;
  const flush = (end: number) => {
    let first = start;
    while (first < end && !hasContent(lines[first])) first++;
    // Comments or blank lines before the first `---` are no document of their own.
    if (first === end && !explicit) return;
    docs.push({ value: parseMiniYaml(lines.slice(start, end).join('\n')), line: first < end ? first + 1 : undefined });
  };
  try {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (DOCUMENT_START.test(line)) {
        flush(i);
        start = i + 1;
        explicit = true;
      } else if (/^(---|\.\.\.|%)/.test(line)) {
        return undefined;
      }
    }
    flush(lines.length);
  } catch (e) {
    if (e instanceof UnsupportedYaml) return undefined;
    throw e;
  }
  return docs;
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
  const simple = /^\s*\{/.test(input) ? undefined : decodeSimpleYaml(input);
  if (simple) {
    simple.forEach(({ value, line }, i) => {
      collect(value, i + 1, line, out, fail);
    });
    return out;
  }
  const { LineCounter, parseAllDocuments } = loadYaml();
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
