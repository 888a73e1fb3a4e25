import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../src/defaults.js';
import { isApiError } from '../src/errors.js';
import { decodeManifests, ManifestError } from '../src/manifests.js';
import { apiVersionOf, RESOURCE_TYPES } from '../src/resources.js';
import { tableFor } from '../src/tables.js';
import type { KubeObject } from '../src/types.js';
import { assertValid, validateObject } from '../src/validation.js';

/** Arbitrary JSON shaped loosely like each kind: real field names, random values at every level. */
const fieldNames = fc.constantFrom(
  'metadata',
  'spec',
  'status',
  'name',
  'namespace',
  'labels',
  'annotations',
  'containers',
  'initContainers',
  'image',
  'ports',
  'containerPort',
  'resources',
  'limits',
  'requests',
  'cpu',
  'memory',
  'livenessProbe',
  'httpGet',
  'port',
  'tolerations',
  'key',
  'operator',
  'selector',
  'matchLabels',
  'matchExpressions',
  'template',
  'replicas',
  'strategy',
  'rollingUpdate',
  'maxSurge',
  'maxUnavailable',
  'type',
  'clusterIP',
  'targetPort',
  'nodePort',
  'subsets',
  'addresses',
  'ip',
  'involvedObject',
  'taints',
  'effect',
  'volumes',
  'volumeMounts',
  'env',
  'values',
  'conditions',
  'capacity',
  'affinity',
  'nodeAffinity',
  'lifecycle',
  'exec',
  'command',
  'ownerReferences',
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.dictionary(fieldNames, tie('tree'), { maxKeys: 5 }),
    fc.array(tie('tree'), { maxLength: 3 }),
  ),
}));

describe('robustness: defaulting, validation and tables never throw on arbitrary JSON', () => {
  it.each(RESOURCE_TYPES.map((t) => [t.kind, t] as const))('%s', (_kind, type) => {
    fc.assert(
      fc.property(fc.dictionary(fieldNames, tree, { maxKeys: 6 }), (body) => {
        const obj = { ...body, apiVersion: apiVersionOf(type), kind: type.kind } as unknown as KubeObject;
        expect(() => applyDefaults(obj)).not.toThrow();
        expect(() => validateObject(obj)).not.toThrow();
        expect(() => validateObject(obj, structuredClone(obj))).not.toThrow();
        try {
          assertValid(obj);
        } catch (e) {
          expect(isApiError(e) && e.code === 422).toBe(true);
        }
        if (obj.metadata && typeof obj.metadata === 'object' && !Array.isArray(obj.metadata)) {
          expect(() => tableFor(type, [obj], { now: 0 })).not.toThrow();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('robustness: decodeManifests throws only ManifestError', () => {
  it('on arbitrary text, YAML-ish text and JSON-ish text', () => {
    const yamlish = fc
      .array(
        fc.constantFrom(
          '---\n',
          'a: 1\n',
          '  b: [\n',
          'kind: Pod\n',
          'apiVersion: v1\n',
          '- x\n',
          '{',
          '}',
          '"',
          '\t',
          '&a x\n',
          '*a\n',
          'items:\n',
          ': :\n',
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), yamlish, fc.json()), (text) => {
        try {
          decodeManifests(text, 'fuzz.yaml');
        } catch (e) {
          expect(e).toBeInstanceOf(ManifestError);
          expect((e as Error).message.startsWith('error parsing fuzz.yaml: document ')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
