import { describe, expect, it } from 'vitest';
import { canonicalJson, LAST_APPLIED, lastAppliedOf, threeWayMergePatch, withLastApplied } from '../src/smp.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke into patch shapes freely
type Loose = Record<string, any>;

const deploy = (containers: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 2, template: { spec: { containers } }, ...extra },
});

describe('client-side apply patch (three-way strategic merge)', () => {
  it('is empty when nothing changed, even though the live object has server fields', () => {
    const manifest = withLastApplied(deploy([{ name: 'app', image: 'a:1' }]));
    const live = structuredClone(manifest) as Loose;
    live.metadata.uid = 'u1';
    live.metadata.resourceVersion = '5';
    live.spec.strategy = { type: 'RollingUpdate' };
    live.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    live.status = { replicas: 2 };
    expect(threeWayMergePatch(lastAppliedOf(live), manifest, live)).toEqual({});
  });

  it('patches a changed image by merge key with $setElementOrder, like kubectl', () => {
    const before = withLastApplied(deploy([{ name: 'nginx', image: 'nginx:1.25' }]));
    const after = withLastApplied(deploy([{ name: 'nginx', image: 'nginx:1.26' }]));
    const patch = threeWayMergePatch(lastAppliedOf(before), after, before) as Loose;
    expect(patch.spec).toEqual({
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }],
          containers: [{ image: 'nginx:1.26', name: 'nginx' }],
        },
      },
    });
    expect(patch.metadata.annotations[LAST_APPLIED]).toBe(
      after.metadata && (after.metadata as Loose).annotations[LAST_APPLIED],
    );
  });

  it('deletes fields and list items that were applied before and are gone now', () => {
    const before = withLastApplied({
      ...deploy(
        [
          {
            name: 'app',
            image: 'a',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'side', image: 's' },
        ],
        { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      ),
      metadata: { name: 'web', labels: { app: 'web', b: 'x' } },
    });
    const after = withLastApplied(
      deploy([{ name: 'app', image: 'a', env: [{ name: 'A', value: '1' }] }], { strategy: { type: 'Recreate' } }),
    );
    const patch = threeWayMergePatch(lastAppliedOf(before), after, before) as Loose;
    expect(patch.metadata.labels).toEqual({ b: null });
    expect(patch.spec.strategy).toEqual({ rollingUpdate: null, type: 'Recreate' });
    const containers = patch.spec.template.spec.containers;
    expect(containers).toContainEqual({ name: 'side', $patch: 'delete' });
    expect(containers).toContainEqual({
      name: 'app',
      env: [{ name: 'B', $patch: 'delete' }],
      '$setElementOrder/env': [{ name: 'A' }],
    });
  });

  it('leaves fields it never applied alone (set by others)', () => {
    const before = withLastApplied(deploy([{ name: 'app', image: 'a' }]));
    const live = structuredClone(before) as Loose;
    live.metadata.labels.team = 'ops';
    const patch = threeWayMergePatch(lastAppliedOf(live), withLastApplied(deploy([{ name: 'app', image: 'a' }])), live);
    expect(patch).toEqual({});
  });

  it('replaces lists without a merge key whole', () => {
    const before = withLastApplied(deploy([{ name: 'app', image: 'a', args: ['x', 'y'] }]));
    const after = withLastApplied(deploy([{ name: 'app', image: 'a', args: ['x'] }]));
    const patch = threeWayMergePatch(lastAppliedOf(before), after, before) as Loose;
    expect(patch.spec.template.spec.containers).toEqual([{ name: 'app', args: ['x'] }]);
  });

  it('stores the annotation as compact sorted JSON plus newline, without itself', () => {
    const m = withLastApplied({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'p', annotations: { [LAST_APPLIED]: 'old', z: '1' } },
    });
    const value = (m.metadata as Loose).annotations[LAST_APPLIED];
    expect(value).toBe(
      `${canonicalJson({ apiVersion: 'v1', kind: 'Pod', metadata: { annotations: { z: '1' }, name: 'p' } })}\n`,
    );
    expect(value).toBe('{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"z":"1"},"name":"p"}}\n');
  });
});
