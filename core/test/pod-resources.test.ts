import { describe, expect, it } from 'vitest';
import { podRequests, qosClass } from '../src/pod-resources.js';
import type { Container, PodSpec } from '../src/types.js';

const c = (
  name: string,
  requests?: Record<string, string>,
  limits?: Record<string, string>,
  extra: object = {},
): Container => ({
  name,
  image: 'x',
  resources: { requests, limits },
  ...extra,
});
const pod = (spec: Partial<PodSpec>) => ({ spec: { containers: [], ...spec } });

describe('podRequests (§3.6, §8)', () => {
  it('sums app containers', () => {
    expect(
      podRequests(pod({ containers: [c('a', { cpu: '250m', memory: '64Mi' }), c('b', { cpu: '0.5', memory: '1G' })] })),
    ).toEqual({
      cpuMilli: 750,
      memoryBytes: 67108864 + 1e9,
    });
  });

  it('takes the max with each init container', () => {
    const p = pod({
      initContainers: [c('i1', { cpu: '2' }), c('i2', { memory: '1Gi' })],
      containers: [c('a', { cpu: '500m', memory: '128Mi' })],
    });
    expect(podRequests(p)).toEqual({ cpuMilli: 2000, memoryBytes: 1024 ** 3 });
  });

  it('counts limits as requests when requests are missing (Pod defaulting)', () => {
    expect(podRequests(pod({ containers: [c('a', undefined, { cpu: '1', memory: '1Mi' })] }))).toEqual({
      cpuMilli: 1000,
      memoryBytes: 1048576,
    });
  });

  it('adds sidecars (restartable init containers) to the app sum', () => {
    const p = pod({
      initContainers: [c('side', { cpu: '100m' }, undefined, { restartPolicy: 'Always' }), c('init', { cpu: '1' })],
      containers: [c('a', { cpu: '200m' })],
    });
    expect(podRequests(p).cpuMilli).toBe(1100);
  });

  it('is zero for best-effort pods', () => {
    expect(podRequests(pod({ containers: [c('a')] }))).toEqual({ cpuMilli: 0, memoryBytes: 0 });
  });
});

describe('qosClass (§7)', () => {
  it.each([
    ['BestEffort', [c('a')]],
    ['Guaranteed', [c('a', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]],
    ['Guaranteed', [c('a', undefined, { cpu: '1', memory: '1Gi' })]],
    ['Guaranteed', [c('a', { cpu: '1000m', memory: '1024Mi' }, { cpu: '1', memory: '1Gi' })]],
    ['Burstable', [c('a', { cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]],
    ['Burstable', [c('a', { cpu: '1' })]],
    ['Burstable', [c('a', undefined, { cpu: '1' })]],
    ['Burstable', [c('a', undefined, { cpu: '1', memory: '1Gi' }), c('b')]],
  ] as const)('%s', (expected, containers) => {
    expect(qosClass(pod({ containers: [...containers] }))).toBe(expected);
  });

  it('considers init containers', () => {
    const guaranteed = c('a', undefined, { cpu: '1', memory: '1Gi' });
    expect(qosClass(pod({ containers: [guaranteed], initContainers: [c('i', { cpu: '1' })] }))).toBe('Burstable');
  });
});
