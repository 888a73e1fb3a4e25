import type { Affinity, Node, NodeSelectorRequirement, Pod, Taint, Toleration } from '@peapod/core';
import { describe, expect, it } from 'vitest';
import { decide } from '../src/scheduler/decide.js';
import { filterNode, fitErrorMessage, NO_NODES_MESSAGE, REASON } from '../src/scheduler/filters.js';
import { nodeMatchesPodAffinity, requirementMatches } from '../src/scheduler/node-affinity.js';
import { type NodeInfo, summaryOf } from '../src/scheduler/node-info.js';
import {
  balancedAllocationScore,
  leastAllocatedScore,
  pickNode,
  preferNoScheduleCount,
  scoreNodes,
} from '../src/scheduler/scores.js';
import { schedulingTaints, toleratesTaint } from '../src/scheduler/taints.js';

interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: 'True' | 'False' | 'Unknown' | 'missing';
}

function node(name: string, o: NodeOptions = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: {
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' },
      conditions: o.ready === 'missing' ? [] : [{ type: 'Ready', status: o.ready ?? 'True' }],
    },
  };
}

interface PodOptions {
  cpu?: string;
  memory?: string;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  nodeName?: string;
  owner?: string;
  hostPort?: number;
}

function pod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: o.owner
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }]
        : undefined,
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox',
          resources: { requests },
          ports: o.hostPort ? [{ containerPort: 80, hostPort: o.hostPort }] : undefined,
        },
      ],
      tolerations: o.tolerations,
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      nodeName: o.nodeName,
    },
  };
}

const info = (n: Node, pods: Pod[] = []): NodeInfo => ({ node: n, pods });
const required = (...terms: NodeSelectorRequirement[][]): Affinity => ({
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((t) => ({ matchExpressions: t })) },
  },
});

describe('toleratesTaint (api-core ToleratesTaint)', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  it.each<[string, Toleration, boolean]>([
    ['Equal same key/value/effect', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
    ['Equal is the default operator', { key: 'k', value: 'v', effect: 'NoSchedule' }, true],
    ['Equal with another value', { key: 'k', value: 'w', effect: 'NoSchedule' }, false],
    ['Exists ignores the value', { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, true],
    ['empty effect matches every effect', { key: 'k', operator: 'Exists' }, true],
    ['other effect', { key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
    ['other key', { key: 'x', operator: 'Exists' }, false],
    ['empty key + Exists tolerates everything', { operator: 'Exists' }, true],
    ['empty key + Equal tolerates nothing', { value: 'v' }, false],
  ])('%s', (_, toleration, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});

describe('node affinity requirements', () => {
  const labels = { zone: 'a', cores: '8', bad: 'x8' };
  it.each<[NodeSelectorRequirement, boolean]>([
    [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, true],
    [{ key: 'zone', operator: 'In', values: ['b'] }, false],
    [{ key: 'zone', operator: 'NotIn', values: ['b'] }, true],
    [{ key: 'zone', operator: 'NotIn', values: ['a'] }, false],
    [{ key: 'absent', operator: 'NotIn', values: ['a'] }, true],
    [{ key: 'zone', operator: 'Exists' }, true],
    [{ key: 'absent', operator: 'Exists' }, false],
    [{ key: 'absent', operator: 'DoesNotExist' }, true],
    [{ key: 'zone', operator: 'DoesNotExist' }, false],
    [{ key: 'cores', operator: 'Gt', values: ['4'] }, true],
    [{ key: 'cores', operator: 'Gt', values: ['8'] }, false],
    [{ key: 'cores', operator: 'Lt', values: ['16'] }, true],
    [{ key: 'cores', operator: 'Lt', values: ['8'] }, false],
    [{ key: 'bad', operator: 'Gt', values: ['1'] }, false],
    [{ key: 'absent', operator: 'Lt', values: ['1'] }, false],
  ])('%j → %s', (req, expected) => {
    expect(requirementMatches(req, labels)).toBe(expected);
  });

  it('ORs terms, ANDs expressions, and requires nodeSelector too', () => {
    const n = node('n1', { labels: { zone: 'a', disk: 'ssd' } });
    const zoneB = { key: 'zone', operator: 'In', values: ['b'] } as const;
    const zoneA = { key: 'zone', operator: 'In', values: ['a'] } as const;
    const hdd = { key: 'disk', operator: 'In', values: ['hdd'] } as const;
    expect(nodeMatchesPodAffinity(pod('p', { affinity: required([zoneB], [zoneA]) }), n)).toBe(true);
    expect(nodeMatchesPodAffinity(pod('p', { affinity: required([zoneA, hdd]) }), n)).toBe(false);
    expect(nodeMatchesPodAffinity(pod('p', { affinity: required([]) }), n)).toBe(false);
    expect(nodeMatchesPodAffinity(pod('p', { affinity: required([zoneA]), nodeSelector: { disk: 'hdd' } }), n)).toBe(
      false,
    );
    expect(nodeMatchesPodAffinity(pod('p', { nodeSelector: { disk: 'ssd', zone: 'a' } }), n)).toBe(true);
  });

  it('matchFields supports metadata.name', () => {
    const p = pod('p');
    p.spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }],
        },
      },
    };
    expect(nodeMatchesPodAffinity(p, node('n1'))).toBe(false);
    expect(nodeMatchesPodAffinity(p, node('n2'))).toBe(true);
  });
});

describe('filters', () => {
  it.each<[string, Pod, NodeInfo, string[]]>([
    ['a plain pod fits a ready node', pod('p'), info(node('n')), []],
    ['cordoned node', pod('p'), info(node('n', { unschedulable: true })), [REASON.unschedulable]],
    [
      'cordoned node with unschedulable toleration',
      pod('p', {
        tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      }),
      info(node('n', { unschedulable: true })),
      [],
    ],
    ['nodeName mismatch', pod('p', { nodeName: 'other' }), info(node('n')), [REASON.nodeName]],
    [
      'NoSchedule taint',
      pod('p'),
      info(node('n', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })),
      [REASON.taint],
    ],
    ['NoExecute taint', pod('p'), info(node('n', { taints: [{ key: 'k', effect: 'NoExecute' }] })), [REASON.taint]],
    [
      'PreferNoSchedule does not filter',
      pod('p'),
      info(node('n', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] })),
      [],
    ],
    [
      'tolerated taint',
      pod('p', { tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] }),
      info(node('n', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })),
      [],
    ],
    ['node NotReady', pod('p'), info(node('n', { ready: 'False' })), [REASON.taint]],
    ['node unreachable', pod('p'), info(node('n', { ready: 'Unknown' })), [REASON.taint]],
    ['node without Ready condition', pod('p'), info(node('n', { ready: 'missing' })), [REASON.taint]],
    [
      'NotReady node, pod tolerating everything',
      pod('p', { tolerations: [{ operator: 'Exists' }] }),
      info(node('n', { ready: 'False' })),
      [],
    ],
    ['nodeSelector mismatch', pod('p', { nodeSelector: { disk: 'ssd' } }), info(node('n')), [REASON.nodeAffinity]],
    [
      'hostPort in use',
      pod('p', { hostPort: 8080 }),
      info(node('n'), [pod('q', { hostPort: 8080, nodeName: 'n' })]),
      [REASON.nodePorts],
    ],
    ['hostPort free', pod('p', { hostPort: 8080 }), info(node('n'), [pod('q', { hostPort: 9090, nodeName: 'n' })]), []],
    ['cpu too big', pod('p', { cpu: '5' }), info(node('n')), [REASON.insufficientCpu]],
    [
      'memory used up by bound pods',
      pod('p', { memory: '3Gi' }),
      info(node('n'), [pod('a', { memory: '6Gi', nodeName: 'n' })]),
      [REASON.insufficientMemory],
    ],
    [
      'cpu and memory',
      pod('p', { cpu: '8', memory: '9Gi' }),
      info(node('n')),
      [REASON.insufficientCpu, REASON.insufficientMemory],
    ],
    [
      'exact fit',
      pod('p', { cpu: '3', memory: '2Gi' }),
      info(node('n'), [pod('a', { cpu: '1', memory: '6Gi', nodeName: 'n' })]),
      [],
    ],
    ['too many pods', pod('p'), info(node('n', { pods: '1' }), [pod('a', { nodeName: 'n' })]), [REASON.tooManyPods]],
    [
      'first failing plugin wins (unschedulable before taints)',
      pod('p'),
      info(node('n', { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] })),
      [REASON.unschedulable],
    ],
  ])('%s', (_, p, i, expected) => {
    expect(filterNode(p, i)).toEqual(expected);
  });
});

describe('FailedScheduling message (kk-sched FitError)', () => {
  it('counts reasons per node, sorted as strings', () => {
    expect(fitErrorMessage(3, [[REASON.taint], [REASON.insufficientMemory], [REASON.insufficientMemory]])).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient memory.',
    );
  });
  it('a node with two resource shortfalls counts under both', () => {
    expect(fitErrorMessage(2, [[REASON.insufficientCpu, REASON.insufficientMemory], [REASON.unschedulable]])).toBe(
      '0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) were unschedulable.',
    );
  });
  it('no nodes at all', () => {
    expect(fitErrorMessage(0, [])).toBe(NO_NODES_MESSAGE);
  });
  it('decide() produces it end to end', () => {
    const nodes = [
      info(node('a', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })),
      info(node('b', { memory: '1Gi' })),
      info(node('c', { memory: '1Gi' })),
    ];
    expect(decide(pod('p', { memory: '2Gi' }), nodes)).toEqual({
      message: '0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient memory.',
    });
  });
});

describe('schedulingTaints', () => {
  it('adds the Ready-derived NoSchedule taint only when missing', () => {
    expect(schedulingTaints(node('n', { ready: 'Unknown' }))).toEqual([
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    ]);
    const tainted = node('n', {
      ready: 'False',
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
    });
    expect(schedulingTaints(tainted)).toHaveLength(1);
    expect(schedulingTaints(node('n'))).toEqual([]);
  });
});

describe('scores', () => {
  it('LeastAllocated: (allocatable − requested)·100/allocatable, mean of cpu and memory', () => {
    // cpu: (4000 − 1000)/4000 → 75; memory: (8Gi − 2Gi)/8Gi → 75
    expect(leastAllocatedScore(pod('p', { cpu: '1', memory: '2Gi' }), info(node('n')))).toBe(75);
    // missing requests count as 100m / 200Mi: cpu (4000−100)·100/4000 = 97, memory (8192−200)·100/8192 = 97
    expect(leastAllocatedScore(pod('p'), info(node('n')))).toBe(97);
    expect(leastAllocatedScore(pod('p', { cpu: '8' }), info(node('n')))).toBe(Math.floor((0 + 97) / 2));
  });

  it('BalancedAllocation: (1 − |f_cpu − f_mem|/2)·100', () => {
    // cpu 2/4 = .5, memory 2Gi/8Gi = .25 → std .125 → 87
    expect(balancedAllocationScore(pod('p', { cpu: '2', memory: '2Gi' }), info(node('n')))).toBe(87);
    expect(balancedAllocationScore(pod('p', { cpu: '2', memory: '4Gi' }), info(node('n')))).toBe(100);
  });

  it('PreferNoSchedule: counts untolerated taints; only effect ""/PreferNoSchedule tolerations help', () => {
    const taints: Taint[] = [
      { key: 'a', effect: 'PreferNoSchedule' },
      { key: 'b', effect: 'PreferNoSchedule' },
      { key: 'c', effect: 'NoSchedule' },
    ];
    expect(preferNoScheduleCount(taints, [])).toBe(2);
    expect(preferNoScheduleCount(taints, [{ key: 'a', operator: 'Exists' }])).toBe(1);
    expect(preferNoScheduleCount(taints, [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }])).toBe(2);
  });

  it('prefers the node without PreferNoSchedule taints', () => {
    const nodes = [info(node('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] })), info(node('b'))];
    const scores = scoreNodes(pod('p'), nodes);
    expect(scores.map((s) => s.plugins.TaintToleration)).toEqual([0, 100]);
    expect(decide(pod('p'), nodes)).toEqual({ node: 'b' });
  });

  it('preferred node affinity weights, normalised to 0–100', () => {
    const p = pod('p');
    p.spec.affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
        ],
      },
    };
    const nodes = [
      info(node('a', { labels: { zone: 'a' } })),
      info(node('b', { labels: { disk: 'ssd' } })),
      info(node('c', { labels: { zone: 'a', disk: 'ssd' } })),
    ];
    expect(scoreNodes(p, nodes).map((s) => s.plugins.NodeAffinity)).toEqual([25, 75, 100]);
    expect(decide(p, nodes)).toEqual({ node: 'c' });
  });

  it("spreads a controller's replicas across nodes", () => {
    const nodes = [
      info(node('a'), [pod('r1', { owner: 'rs', nodeName: 'a' }), pod('r2', { owner: 'rs', nodeName: 'a' })]),
      info(node('b'), [pod('r3', { owner: 'rs', nodeName: 'b' })]),
      info(node('c'), [pod('o1', { owner: 'other', nodeName: 'c' }), pod('o2', { owner: 'other', nodeName: 'c' })]),
    ];
    const scores = scoreNodes(pod('new', { owner: 'rs' }), nodes);
    expect(scores.map((s) => s.plugins.SelectorSpread)).toEqual([0, 50, 100]);
    expect(decide(pod('new', { owner: 'rs' }), nodes)).toEqual({ node: 'c' });
  });

  it('prefers the emptier node', () => {
    const nodes = [info(node('a'), [pod('x', { cpu: '2', memory: '4Gi', nodeName: 'a' })]), info(node('b'))];
    expect(decide(pod('p', { cpu: '1', memory: '1Gi' }), nodes)).toEqual({ node: 'b' });
  });

  it('ties go to the smallest node name', () => {
    expect(
      pickNode([
        { name: 'zeta', total: 5, plugins: {} as never },
        { name: 'alpha', total: 5, plugins: {} as never },
        { name: 'beta', total: 4, plugins: {} as never },
      ]),
    ).toBe('alpha');
    expect(decide(pod('p'), [info(node('n2')), info(node('n1')), info(node('n3'))])).toEqual({ node: 'n1' });
  });
});

describe('node summary (derived once per NodeInfo)', () => {
  it('sums requests (both semantics), collects host ports and counts pods per controller', () => {
    const n = info(node('n'), [
      pod('a', { cpu: '500m', memory: '1Gi', owner: 'rs1', hostPort: 8080, nodeName: 'n' }),
      pod('b', { owner: 'rs1', nodeName: 'n' }),
      pod('c', { owner: 'rs2', nodeName: 'n' }),
    ]);
    const summary = summaryOf(n);
    expect(summary.requested).toEqual({ cpuMilli: 500, memoryBytes: 1024 ** 3 });
    expect(summary.nonZeroRequested).toEqual({ cpuMilli: 700, memoryBytes: 1024 ** 3 + 2 * 200 * 1024 ** 2 });
    expect(summary.hostPorts).toEqual([{ port: 8080, protocol: 'TCP', hostIP: '0.0.0.0' }]);
    expect(summary.controllerPods).toEqual(
      new Map([
        ['default/uid-rs1', 2],
        ['default/uid-rs2', 1],
      ]),
    );
    expect(summary.allocatable).toEqual({ cpuMilli: 4000, memoryBytes: 8 * 1024 ** 3, pods: 110 });
  });

  it('is computed once per NodeInfo object; a replaced NodeInfo gets its own', () => {
    const first = info(node('n'), [pod('a', { cpu: '1', nodeName: 'n' })]);
    expect(summaryOf(first)).toBe(summaryOf(first));
    const second = { ...first, pods: [...first.pods, pod('b', { cpu: '1', nodeName: 'n' })] };
    expect(summaryOf(second).requested.cpuMilli).toBe(2000);
    expect(summaryOf(first).requested.cpuMilli).toBe(1000);
  });
});
