import type { DesiredIndex, DesiredPod, Pod } from '@peapod/core';
import { describe, expect, it } from 'vitest';
import { DesiredSetAssembler } from '../src/transport/desired-set.js';

const pod = (uid: string, hash: string, revision = '1'): DesiredPod => ({
  v: 1,
  uid,
  hash,
  revision,
  pod: {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${uid}`, namespace: 'default', uid },
    spec: { containers: [{ name: 'c', image: `img:${hash}` }] },
  } as Pod,
});
const index = (...entries: [string, string][]): DesiredIndex => indexAt('1', ...entries);
const indexAt = (revision: string, ...entries: [string, string][]): DesiredIndex => ({
  v: 1,
  node: 'n',
  revision,
  pods: entries.map(([uid, hash]) => ({ uid, hash, namespace: 'default', name: `p-${uid}` })),
});
const uids = (set: Pod[] | undefined) => set?.map((p) => p.metadata.uid);

describe('DesiredSetAssembler', () => {
  it('emits only complete, consistent sets, in any arrival order', () => {
    const a = new DesiredSetAssembler();
    expect(a.applyPod('1', pod('1', 'h1'))).toBeUndefined(); // no index yet
    expect(a.applyIndex(index(['1', 'h1'], ['2', 'h2']))).toBeUndefined(); // pod 2 missing
    expect(a.applyPod('2', pod('2', 'old'))).toBeUndefined(); // wrong version
    expect(uids(a.applyPod('2', pod('2', 'h2')))).toEqual(['1', '2']);
    expect(a.synced).toBe(true);
  });

  it('does not re-emit an unchanged set (retained redelivery) and emits deletions', () => {
    const a = new DesiredSetAssembler();
    a.applyPod('1', pod('1', 'h1'));
    a.applyPod('2', pod('2', 'h2'));
    expect(uids(a.applyIndex(index(['1', 'h1'], ['2', 'h2'])))).toEqual(['1', '2']);
    expect(a.applyIndex(index(['1', 'h1'], ['2', 'h2']))).toBeUndefined();
    expect(a.applyPod('1', pod('1', 'h1'))).toBeUndefined();
    expect(uids(a.applyIndex(index(['2', 'h2'])))).toEqual(['2']);
    expect(a.applyPod('1', undefined)).toBeUndefined(); // cleared retained message, already gone
    expect(uids(a.applyIndex(index()))).toEqual([]);
  });

  it('picks up a new version only when index and pod agree', () => {
    const a = new DesiredSetAssembler();
    a.applyPod('1', pod('1', 'h1'));
    a.applyIndex(index(['1', 'h1']));
    expect(a.applyPod('1', pod('1', 'h1b'))).toBeUndefined(); // index still names h1
    const set = a.applyIndex(index(['1', 'h1b']));
    expect(set?.[0].spec.containers[0].image).toBe('img:h1b');
  });

  it('ignores a pod message whose uid does not match its topic', () => {
    const a = new DesiredSetAssembler();
    a.applyIndex(index(['1', 'h1']));
    expect(a.applyPod('1', pod('9', 'h1'))).toBeUndefined();
    expect(a.synced).toBe(false);
  });

  it('never goes back to an older index or pod version (replayed session messages)', () => {
    const a = new DesiredSetAssembler();
    a.applyPod('1', pod('1', 'h1b', '7'));
    expect(uids(a.applyIndex(indexAt('7', ['1', 'h1b'])))).toEqual(['1']);
    expect(a.applyPod('1', pod('1', 'h1', '3'))).toBeUndefined();
    expect(a.applyIndex(indexAt('3', ['1', 'h1'], ['2', 'h2']))).toBeUndefined();
    a.applyPod('3', pod('3', 'h3', '9'));
    expect(uids(a.applyIndex(indexAt('9', ['1', 'h1b'], ['3', 'h3'])))).toEqual(['1', '3']);
  });

  it('emits nothing while held and the current set on release', () => {
    const a = new DesiredSetAssembler();
    a.hold();
    a.applyPod('1', pod('1', 'h1'));
    expect(a.applyIndex(indexAt('2', ['1', 'h1']))).toBeUndefined(); // a replayed intermediate state
    a.applyPod('2', pod('2', 'h2', '5'));
    expect(a.applyIndex(indexAt('5', ['2', 'h2']))).toBeUndefined();
    expect(uids(a.release())).toEqual(['2']);
    expect(a.release()).toBeUndefined();
  });
});
