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

/**
 * Decodes every object in `text`. `source` names the input in errors, e.g.
 * `error parsing hello.yaml: document 2, line 7: …`. Throws `ManifestError`.
 */
export function decodeManifests(text: string, source = '<stdin>'): KubeObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: false });
  const fail = (doc: number, line: number | undefined, msg: string): never => {
    const where = line !== undefined ? `document ${doc}, line ${line}` : `document ${doc}`;
    throw new ManifestError(`error parsing ${source}: ${where}: ${msg}`, source, doc, line);
  };
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const out: KubeObject[] = [];
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
    if (value === null || value === undefined) return;
    const check = (obj: unknown, what: string): KubeObject => {
      if (!isPlainObject(obj)) return fail(n, startLine, `${what} must be an object, got ${describe(obj)}`);
      const missing = ['apiVersion', 'kind'].filter((k) => typeof obj[k] !== 'string' || obj[k] === '');
      if (missing.length) return fail(n, startLine, `${what}: ${missing.map((k) => `${k} not set`).join(', ')}`);
      if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) {
        return fail(n, startLine, `${what}: metadata must be an object, got ${describe(obj.metadata)}`);
      }
      return { ...obj, metadata: (obj.metadata as KubeObject['metadata']) ?? {} } as KubeObject;
    };
    const obj = check(value, 'object');
    if (obj.kind === 'List' || (obj.kind.endsWith('List') && Array.isArray((obj as { items?: unknown }).items))) {
      const items = (obj as { items?: unknown }).items;
      if (items === undefined || items === null) return;
      if (!Array.isArray(items)) fail(n, startLine, `items must be an array, got ${describe(items)}`);
      (items as unknown[]).forEach((item, j) => {
        out.push(check(item, `items[${j}]`));
      });
      return;
    }
    out.push(obj);
  });
  return out;
}
