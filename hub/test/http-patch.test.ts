import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyJsonPatch } from '../src/http/patch/json-patch.js';
import { PatchError } from '../src/http/patch/json-value.js';
import { applyMergePatch } from '../src/http/patch/merge-patch.js';
import { applyStrategicMergePatch, listStrategy } from '../src/http/patch/strategic-merge-patch.js';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges maps, deletes on null and replaces lists', () => {
    const target = { a: 1, m: { x: 1, y: 2 }, l: [1, 2, 3] };
    expect(applyMergePatch(target, { a: null, m: { y: null, z: 3 }, l: [9] })).toEqual({ m: { x: 1, z: 3 }, l: [9] });
    expect(target).toEqual({ a: 1, m: { x: 1, y: 2 }, l: [1, 2, 3] });
  });

  it('ignores __proto__ keys', () => {
    const result = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' }, 'x/y': 'slash' }, list: [1, 2] };

  it('applies add, remove, replace, move, copy and test', () => {
    const result = applyJsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'add', path: '/list/0', value: 0 },
      { op: 'remove', path: '/list/1' },
      { op: 'replace', path: '/metadata/x~1y', value: 'replaced' },
      { op: 'copy', from: '/metadata/labels/a', path: '/copied' },
      { op: 'move', from: '/copied', path: '/moved' },
      { op: 'test', path: '/moved', value: '1' },
    ]);
    expect(result).toEqual({
      metadata: { labels: { a: '1', b: '2' }, 'x/y': 'replaced' },
      list: [0, 2, 3],
      moved: '1',
    });
    expect(doc.list).toEqual([1, 2]);
  });

  it('fails on missing paths and failed tests, and on malformed operations as malformed', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/metadata/annotations', value: {} }])).toThrow(
      /replace operation does not apply/,
    );
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 5 }])).toThrow(PatchError);
    for (const bad of [
      {},
      [{ op: 'add' }],
      [{ op: 'jump', path: '/a' }],
      [{ op: 'add', path: 'no-slash', value: 1 }],
    ]) {
      try {
        applyJsonPatch(doc, bad);
        expect.unreachable();
      } catch (e) {
        expect((e as PatchError).malformed).toBe(true);
      }
    }
  });
});

describe('strategic merge patch', () => {
  const deployment = {
    metadata: { labels: { a: '1', b: '2' }, finalizers: ['x'] },
    spec: {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: {
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80 }, { containerPort: 443 }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              volumeMounts: [{ mountPath: '/data', name: 'd' }],
              args: ['a', 'b'],
            },
            { name: 'side', image: 'busybox' },
          ],
          volumes: [{ name: 'd', emptyDir: {} }],
          tolerations: [{ key: 'k', operator: 'Exists' }],
        },
      },
    },
  };

  it('merges containers by name and env by name, deletes with $patch and orders with $setElementOrder', () => {
    const patch = {
      metadata: { labels: { b: null } },
      spec: {
        strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }],
                env: [{ $patch: 'delete', name: 'B' }],
                image: 'nginx:1.26',
                name: 'nginx',
              },
              { $patch: 'delete', name: 'side' },
            ],
          },
        },
      },
    };
    const result = applyStrategicMergePatch(deployment, patch) as typeof deployment;
    expect(result.metadata.labels).toEqual({ a: '1' });
    expect(result.spec.strategy).toEqual({ type: 'Recreate' });
    expect(result.spec.template.spec.containers).toEqual([
      {
        name: 'nginx',
        image: 'nginx:1.26',
        ports: [{ containerPort: 80 }, { containerPort: 443 }],
        env: [{ name: 'A', value: '1' }],
        volumeMounts: [{ mountPath: '/data', name: 'd' }],
        args: ['a', 'b'],
      },
    ]);
  });

  it('merges ports by containerPort, volumes by name, volumeMounts by mountPath; replaces plain lists and tolerations', () => {
    const result = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'nginx',
                ports: [{ containerPort: 443, name: 'https' }, { containerPort: 8080 }],
                volumeMounts: [{ mountPath: '/cache', name: 'c' }],
                args: ['c'],
              },
            ],
            volumes: [{ name: 'c', emptyDir: {} }],
            tolerations: [{ key: 'other', operator: 'Exists' }],
          },
        },
      },
    }) as typeof deployment;
    const nginx = result.spec.template.spec.containers[0];
    expect(nginx.ports).toEqual([
      { containerPort: 80 },
      { containerPort: 443, name: 'https' },
      { containerPort: 8080 },
    ]);
    expect(nginx.volumeMounts.map((m) => m.mountPath)).toEqual(['/data', '/cache']);
    expect(nginx.args).toEqual(['c']);
    expect(result.spec.template.spec.containers[1].name).toBe('side');
    expect(result.spec.template.spec.volumes.map((v) => v.name)).toEqual(['d', 'c']);
    expect(result.spec.template.spec.tolerations).toEqual([{ key: 'other', operator: 'Exists' }]);
  });

  it('replaces a list with a $patch: replace item and a map with $patch: replace', () => {
    const result = applyStrategicMergePatch(deployment, {
      spec: {
        template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } },
        strategy: { $patch: 'replace', type: 'Recreate' },
      },
    }) as typeof deployment;
    expect(result.spec.template.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
    expect(result.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('treats finalizers as a set and honours $deleteFromPrimitiveList', () => {
    const added = applyStrategicMergePatch(deployment, { metadata: { finalizers: ['y', 'x'] } }) as typeof deployment;
    expect(added.metadata.finalizers).toEqual(['x', 'y']);
    const removed = applyStrategicMergePatch(added, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] },
    }) as typeof deployment;
    expect(removed.metadata.finalizers).toEqual(['y']);
  });

  it('uses the Service port merge key and replaces node taints (kubectl taint sends the whole list)', () => {
    expect(listStrategy(['spec', 'ports'])).toEqual({ mergeKey: 'port' });
    expect(listStrategy(['spec', 'containers', 'ports'])).toEqual({ mergeKey: 'containerPort' });
    expect(listStrategy(['spec', 'taints'])).toBe('replace');
    const node = { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } };
    expect(applyStrategicMergePatch(node, { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } })).toEqual({
      spec: { taints: [{ key: 'b', effect: 'NoExecute' }] },
    });
    expect(applyStrategicMergePatch(node, { spec: { taints: null } })).toEqual({ spec: {} });
  });

  it('rejects list items without the merge key as malformed', () => {
    expect(() =>
      applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }),
    ).toThrow(/does not contain declared merge key: name/);
  });

  it('never throws anything but PatchError and never mutates its inputs (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (target, patch) => {
        const before = JSON.stringify([target, patch]);
        for (const apply of [applyStrategicMergePatch, applyMergePatch, applyJsonPatch]) {
          try {
            apply(target, patch);
          } catch (e) {
            expect(e).toBeInstanceOf(PatchError);
          }
        }
        expect(JSON.stringify([target, patch])).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it('a merge patch of the full document yields that document (property)', () => {
    const object = fc.dictionary(
      fc.string({ minLength: 1 }).filter((k) => !k.startsWith('$') && k !== '__proto__'),
      fc.oneof(fc.string(), fc.integer()),
    );
    fc.assert(
      fc.property(object, object, (target, doc) => {
        const clearing = Object.fromEntries(Object.keys(target).map((k) => [k, null]));
        expect(applyMergePatch(target, { ...clearing, ...doc })).toEqual(doc);
        expect(applyStrategicMergePatch(target, { ...clearing, ...doc })).toEqual(doc);
      }),
    );
  });
});
