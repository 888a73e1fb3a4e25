import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { decodeManifests } from '../src/manifests.js';

/**
 * The small YAML reader decodes manifests it fully understands and hands the rest to the `yaml`
 * package. Whatever path a document takes, the result must be what `yaml` reads.
 */
function full(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((v) => v !== null && v !== undefined);
}

const tricky = fc.constantFrom(
  '',
  ' ',
  'a: b',
  'a:b',
  '#x',
  'a #b',
  "it's",
  '"quoted"',
  '- item',
  '-',
  '~',
  'null',
  'Null',
  'true',
  'yes',
  'no',
  'on',
  '0o17',
  '017',
  '0x1F',
  '1e3',
  '.5',
  '1_000',
  '+1',
  '-0',
  '.inf',
  '*alias',
  '&anchor',
  '!tag',
  '@at',
  '`tick',
  '%pct',
  '? q',
  '[a, b]',
  '{a: b}',
  'x, y',
  'tab\there',
  'line\nbreak',
  'trailing ',
  ' leading',
  'back\\slash',
  'uni ☃',
);
const scalar = fc.oneof(tricky, fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
const key = fc.oneof(
  fc.constantFrom('app', 'a b', 'x-y', 'k.io/name', '1', 'true', 'null', 'key:'),
  fc.string({ minLength: 1 }),
);
const value = fc.letrec((tie) => ({
  leaf: scalar,
  node: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(key, tie('node'), { maxKeys: 3 }),
  ),
})).node;

const manifest = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('ConfigMap'),
  metadata: fc.record({
    name: fc.constantFrom('a', 'b-c'),
    labels: fc.dictionary(key, fc.oneof(tricky, fc.string()), { maxKeys: 3 }),
  }),
  data: fc.dictionary(key, value, { maxKeys: 4 }),
});

describe('manifest decoding: the small reader agrees with the yaml package', () => {
  it('on generated manifests in the styles yaml writes', () => {
    fc.assert(
      fc.property(fc.array(manifest, { minLength: 1, maxLength: 3 }), fc.boolean(), (docs, flowStrings) => {
        const text = docs
          .map((d) => stringify(d, flowStrings ? { defaultStringType: 'QUOTE_DOUBLE' } : {}))
          .join('---\n');
        expect(decodeManifests(text)).toEqual(full(text));
      }),
      { numRuns: 400 },
    );
  });

  it('on hand-written manifests with comments, quotes and odd spacing', () => {
    const texts = [
      'apiVersion: v1   # the core group\nkind: Pod\nmetadata:\n  name: web  \n  labels: {app: web}\n',
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'it''s'\ndata:\n  a: \"x\\ty\"\n  b: 'x\\ty'\n  c: x # y\n  d: x#y\n",
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\ndata:\n  s: |\n    line\n  t: >\n    folded\n    text\n',
      '# leading comment\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n...\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    args: [sh, -c, "echo hi"]\n    ports:\n      - containerPort: 80\n        protocol: TCP\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    x: 1.0\n    y: 0x10\n    z: True\n    w: ~\n',
    ];
    for (const text of texts) expect(decodeManifests(text)).toEqual(full(text));
  });
});
