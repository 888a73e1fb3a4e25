import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldSelectorError, fieldValue, parseFieldSelector } from '../src/field-selector.js';
import type { KubeObject } from '../src/types.js';

const pod = (name: string, nodeName?: string, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [], nodeName, hostNetwork: false },
  status: { phase },
});

describe('parseFieldSelector', () => {
  it('matches =, == and != on dotted paths; comma is AND', () => {
    const a = pod('a', 'n1');
    const b = pod('b', undefined, 'Pending');
    expect(parseFieldSelector('metadata.name=a').matches(a)).toBe(true);
    expect(parseFieldSelector('metadata.name==a').matches(b)).toBe(false);
    expect(parseFieldSelector('spec.nodeName!=n1').matches(a)).toBe(false);
    expect(parseFieldSelector('status.phase=Running,metadata.namespace=default').matches(a)).toBe(true);
    expect(parseFieldSelector('status.phase=Running,metadata.name=b').matches(a)).toBe(false);
  });

  it('a missing field reads as empty: spec.nodeName= selects unscheduled pods', () => {
    expect(parseFieldSelector('spec.nodeName=').matches(pod('b'))).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matches(pod('a', 'n1'))).toBe(false);
    expect(parseFieldSelector('spec.nodeName!=').matches(pod('a', 'n1'))).toBe(true);
  });

  it('stringifies booleans and numbers', () => {
    expect(parseFieldSelector('spec.hostNetwork=false').matches(pod('a'))).toBe(true);
    expect(fieldValue({ spec: { unschedulable: true } }, 'spec.unschedulable')).toBe('true');
    expect(fieldValue({ status: { replicas: 3 } }, 'status.replicas')).toBe('3');
  });

  it('matches event involvedObject fields and source', () => {
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' },
      source: { component: 'kubelet' },
    } as KubeObject;
    expect(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=web', 'Event').matches(ev)).toBe(true);
    expect(parseFieldSelector('involvedObject.uid=u2', 'Event').matches(ev)).toBe(false);
    expect(parseFieldSelector('source=kubelet', 'Event').matches(ev)).toBe(true);
  });

  it('empty selector matches everything', () => {
    const s = parseFieldSelector('');
    expect(s.empty).toBe(true);
    expect(s.matches(pod('x'))).toBe(true);
  });

  it('handles escaped values and renders them back', () => {
    const s = parseFieldSelector('metadata.name=a\\,b');
    expect(s.matches(pod('a,b'))).toBe(true);
    expect(s.toString()).toBe('metadata.name=a\\,b');
  });

  it('rejects unsupported fields for a kind with the API server message', () => {
    expect(() => parseFieldSelector('spec.foo=bar', 'Pod')).toThrow(FieldSelectorError);
    expect(() => parseFieldSelector('spec.foo=bar', 'Pod')).toThrow('field label not supported: spec.foo');
    expect(() => parseFieldSelector('spec.unschedulable=true', 'Node')).not.toThrow();
    expect(() => parseFieldSelector('status.phase=Running', 'Node')).toThrow('field label not supported: status.phase');
  });

  it('rejects terms without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(
      "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    );
  });
});

describe('field selector properties', () => {
  const fields = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'] as const;
  const value = fc.constantFrom('', 'a', 'web', 'n1', 'Running', 'a,b', 'x=y', 'back\\slash');
  const requirement = fc.record({ field: fc.constantFrom(...fields), op: fc.constantFrom('=', '==', '!='), value });
  const object = fc.record({ name: value, namespace: value, nodeName: fc.option(value), phase: value }).map(
    (o): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: o.name, namespace: o.namespace },
      spec: { containers: [], nodeName: o.nodeName ?? undefined },
      status: { phase: o.phase },
    }),
  );
  const escapeValue = (v: string) => v.replace(/[\\,=]/g, (c) => `\\${c}`);

  it('matches the reference model and round-trips through toString', () => {
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 4 }), object, (reqs, obj) => {
        const text = reqs.map((r) => `${r.field}${r.op}${escapeValue(r.value)}`).join(',');
        const s = parseFieldSelector(text, 'Pod');
        const expected = reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op !== '!='));
        expect(s.matches(obj)).toBe(expected);
        expect(parseFieldSelector(s.toString(), 'Pod').matches(obj)).toBe(expected);
      }),
    );
  });
});
