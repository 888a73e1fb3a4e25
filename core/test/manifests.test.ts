import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { decodeManifests, ManifestError } from '../src/manifests.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers: []\n';

describe('decodeManifests', () => {
  it('decodes multi-document YAML, skipping empty documents', () => {
    const objs = decodeManifests(`---\n${POD}---\n# only a comment\n---\n\n---\n${POD.replace('name: a', 'name: b')}`);
    expect(objs.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('ignores a byte-order mark and CRLF line ends', () => {
    expect(decodeManifests(`\uFEFF${POD.replaceAll('\n', '\r\n')}`)[0].metadata.name).toBe('a');
  });

  it('returns nothing for empty input', () => {
    expect(decodeManifests('')).toEqual([]);
    expect(decodeManifests('---\n# nothing\n')).toEqual([]);
  });

  it('decodes JSON', () => {
    const objs = decodeManifests(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }));
    expect(objs).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }]);
  });

  it('decodes a stream of concatenated JSON objects, naming the document of an error', () => {
    const a = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    const b = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b}{' } }, null, 2);
    expect(decodeManifests(`${a}\n${b}`).map((o) => o.metadata.name)).toEqual(['a', 'b}{']);
    expect(decodeManifests(`${a}${a}`)).toHaveLength(2);
    expect(() => decodeManifests(`${a}\n{"kind": "Pod"}`, 's.json')).toThrow(
      'error parsing s.json: document 2, line 2: object: apiVersion not set',
    );
  });

  it('flattens kind: List (and typed lists)', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' } },
      ],
    };
    expect(decodeManifests(JSON.stringify(list)).map((o) => o.kind)).toEqual(['Pod', 'Service']);
    expect(decodeManifests(JSON.stringify({ ...list, kind: 'PodList' })).length).toBe(2);
  });

  it('adds empty metadata when missing', () => {
    expect(decodeManifests('apiVersion: v1\nkind: Namespace\n')[0].metadata).toEqual({});
  });

  it('names the file, the document and the line of a syntax error', () => {
    const text = `${POD}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  labels: [a,\nspec: {}\n`;
    let err: unknown;
    try {
      decodeManifests(text, 'hello.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    const m = err as ManifestError;
    expect(m.message).toMatch(/^error parsing hello\.yaml: document 2, line \d+: /);
    expect(m.document).toBe(2);
    expect(m.line).toBeGreaterThanOrEqual(11);
  });

  it('reports the line of bad indentation', () => {
    expect(() => decodeManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   bad: x\n', 'p.yaml')).toThrow(
      /^error parsing p\.yaml: document 1, line [45]: /,
    );
  });

  it('rejects non-object documents and missing apiVersion/kind clearly', () => {
    expect(() => decodeManifests('- a\n- b\n', 'x.yaml')).toThrow(
      'error parsing x.yaml: document 1, line 1: object must be an object, got array',
    );
    expect(() => decodeManifests(`${POD}---\nhello\n`, 'x.yaml')).toThrow(
      'error parsing x.yaml: document 2, line 8: object must be an object, got string',
    );
    expect(() => decodeManifests('metadata:\n  name: a\n', 'x.yaml')).toThrow(
      'error parsing x.yaml: document 1, line 1: object: apiVersion not set, kind not set',
    );
    expect(() => decodeManifests('{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod"}]}', 'l.json')).toThrow(
      'error parsing l.json: document 1, line 1: items[0]: apiVersion not set',
    );
  });

  it('defaults the source name to <stdin>', () => {
    expect(() => decodeManifests('kind: [')).toThrow(/^error parsing <stdin>: document 1, line 1: /);
  });
});

describe('decodeManifests: the small-reader path and the yaml package agree', () => {
  const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
  const viaYaml = (text: string) =>
    parseAllDocuments(text)
      .map((d) => d.toJS())
      .filter((v) => v !== null)
      .map((v) => ({ ...v, metadata: v.metadata ?? {} }));

  for (const f of readdirSync(examples).filter((n) => n.endsWith('.yaml')))
    it(`decodes examples/${f} like the yaml package`, () => {
      const text = readFileSync(join(examples, f), 'utf8');
      expect(decodeManifests(text, f)).toEqual(viaYaml(text));
    });

  it('numbers documents and lines the same way on both paths', () => {
    const docs = (first: string) =>
      `# leading comment\n${first}---\n---\n# c\n${POD}---\n\napiVersion: v1\nmetadata: {}\n`;
    const simple = docs(POD);
    const full = docs(`${POD}description: |\n  block scalar\n`); // outside the small reader's subset
    const message = (text: string) => {
      try {
        decodeManifests(text, 'm.yaml');
      } catch (e) {
        return (e as Error).message.replace(/line \d+/, 'line N');
      }
      return 'no error';
    };
    expect(message(simple)).toBe('error parsing m.yaml: document 4, line N: object: kind not set');
    expect(message(full)).toBe(message(simple));
    expect(() => decodeManifests(simple, 'm.yaml')).toThrow(/line 19:/);
    expect(() => decodeManifests(full, 'm.yaml')).toThrow(/line 21:/); // two more lines in document 1
  });
});
