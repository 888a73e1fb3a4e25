import { describe, expect, it } from 'vitest';
import { StatusError } from '../src/client.js';
import { formatStatusError } from '../src/errors.js';
import { deploymentStatus, RolloutError } from '../src/rollout-status.js';
import { containerNameFromImage, deploymentFor } from '../src/verbs/create.js';
import { planDrain } from '../src/verbs/drain.js';
import { exitCodeOf } from '../src/verbs/exec.js';
import { serviceFor } from '../src/verbs/expose.js';
import { metaPatch, parseMetaChanges } from '../src/verbs/label.js';
import { podFor } from '../src/verbs/run.js';
import { setImagePatch } from '../src/verbs/set.js';
import { applyTaints, parseTaintArgs } from '../src/verbs/taint.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke into patch shapes freely
type Loose = Record<string, any>;

describe('error wording (kubectl-wire §14)', () => {
  const err = (code: number, body: object) => new StatusError(code, { kind: 'Status', ...body }, true);
  it('prints reasons, Invalid causes and the no-reason form', () => {
    expect(formatStatusError(err(404, { reason: 'NotFound', message: 'pods "x" not found' }))).toBe(
      'Error from server (NotFound): pods "x" not found',
    );
    expect(
      formatStatusError(
        err(409, { reason: 'AlreadyExists', message: 'pods "web" already exists' }),
        'error when creating "p.yaml": ',
      ),
    ).toBe('Error from server (AlreadyExists): error when creating "p.yaml": pods "web" already exists');
    const one = {
      reason: 'Invalid',
      details: {
        kind: 'Pod',
        name: 'Bad_Name',
        causes: [{ field: 'metadata.name', message: 'Invalid value: "Bad_Name": bad' }],
      },
    };
    expect(formatStatusError(err(422, one))).toBe(
      'The Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": bad',
    );
    const two = {
      reason: 'Invalid',
      details: {
        kind: 'Pod',
        name: 'p',
        causes: [
          { field: 'a', message: 'x' },
          { field: 'b', message: 'y' },
        ],
      },
    };
    expect(formatStatusError(err(422, two))).toBe('The Pod "p" is invalid: \n* a: x\n* b: y');
    expect(formatStatusError(err(422, { reason: 'Invalid', message: 'm' }))).toBe('The request is invalid: m');
    expect(formatStatusError(err(404, { message: 'gone' }))).toBe('Error from server: gone');
    expect(formatStatusError(err(401, { reason: 'Unauthorized' }))).toBe(
      'error: You must be logged in to the server (Unauthorized)',
    );
  });
});

describe('rollout status messages', () => {
  const d = (spec: number, st: Record<string, unknown>, generation = 2) => ({
    metadata: { name: 'web', generation },
    spec: { replicas: spec },
    status: { observedGeneration: 2, ...st },
  });
  it('walks through kubectl messages to success', () => {
    expect(deploymentStatus(d(3, {}, 3))).toEqual(['Waiting for deployment spec update to be observed...', false]);
    expect(deploymentStatus(d(3, { updatedReplicas: 1, replicas: 3 }))[0]).toBe(
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(deploymentStatus(d(3, { updatedReplicas: 3, replicas: 4 }))[0]).toBe(
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(deploymentStatus(d(3, { updatedReplicas: 3, replicas: 3, availableReplicas: 1 }))[0]).toBe(
      'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
    );
    expect(deploymentStatus(d(3, { updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))).toEqual([
      'deployment "web" successfully rolled out',
      true,
    ]);
  });
  it('fails on an exceeded progress deadline', () => {
    const stuck = d(1, { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    expect(() => deploymentStatus(stuck)).toThrow(new RolloutError('deployment "web" exceeded its progress deadline'));
  });
});

describe('label / annotate', () => {
  it('splits resources from changes and builds merge patches', () => {
    const { resources, changes } = parseMetaChanges(['pods', 'x', 'a=b', 'c-']);
    expect(resources).toEqual(['pods', 'x']);
    expect(metaPatch({ c: '1' }, changes, false, 'labels')).toEqual({ patch: { a: 'b', c: null }, message: 'labeled' });
    expect(metaPatch({ a: 'b' }, { set: { a: 'b' }, remove: [] }, false, 'labels').message).toBe('not labeled');
    expect(metaPatch({ c: '1' }, { set: {}, remove: ['c'] }, false, 'labels').message).toBe('unlabeled');
  });
  it('refuses to overwrite without --overwrite', () => {
    expect(() => metaPatch({ a: 'x' }, { set: { a: 'y' }, remove: [] }, false, 'labels')).toThrow(
      "'a' already has a value (x), and --overwrite is false",
    );
    expect(metaPatch({ a: 'x' }, { set: { a: 'y' }, remove: [] }, true, 'annotations')).toEqual({
      patch: { a: 'y' },
      message: 'annotated',
    });
  });
});

describe('taint', () => {
  it('adds, overwrites and removes taints as whole lists', () => {
    const add = parseTaintArgs(['env=dev:NoSchedule']);
    expect(applyTaints('n1', [], add, false)).toEqual({
      taints: [{ key: 'env', value: 'dev', effect: 'NoSchedule' }],
      op: 'tainted',
    });
    const current = [
      { key: 'env', value: 'dev', effect: 'NoSchedule' },
      { key: 'zone', effect: 'NoExecute' },
    ];
    expect(() => applyTaints('n1', current, add, false)).toThrow(
      'node n1 already has env taint(s) with same effect(s) and --overwrite is false',
    );
    expect(applyTaints('n1', current, parseTaintArgs(['env:NoSchedule-']), false)).toEqual({
      taints: [{ key: 'zone', effect: 'NoExecute' }],
      op: 'untainted',
    });
    expect(applyTaints('n1', current, parseTaintArgs(['zone-']), false).taints).toHaveLength(1);
    expect(() => applyTaints('n1', [], parseTaintArgs(['x-']), false)).toThrow('taint "x" not found');
    expect(() => parseTaintArgs(['a=b:Bogus'])).toThrow(/invalid taint effect: Bogus/);
  });
});

describe('drain filters', () => {
  const pod = (name: string, extra: Loose = {}) => ({
    metadata: { name, namespace: 'default', ...extra.metadata },
    spec: { containers: [{ name: 'c' }], ...extra.spec },
    status: { phase: 'Running', ...extra.status },
  });
  const owned = { metadata: { ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: true }] } };
  it('refuses unmanaged, DaemonSet and emptyDir pods unless told, and skips mirror pods', () => {
    const pods = [
      pod('managed', owned),
      pod('bare'),
      pod('ds', { metadata: { ownerReferences: [{ kind: 'DaemonSet', name: 'd', controller: true }] } }),
      pod('scratch', { ...owned, spec: { containers: [{ name: 'c' }], volumes: [{ name: 'v', emptyDir: {} }] } }),
      pod('mirror', { metadata: { annotations: { 'kubernetes.io/config.mirror': 'x' } } }),
    ];
    const strict = planDrain(pods as never, { ignoreDaemonsets: false, deleteEmptyDir: false, force: false });
    expect(strict.errors).toEqual([
      'cannot delete cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds',
      'cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare',
      'cannot delete cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch',
    ]);
    const loose = planDrain(pods as never, { ignoreDaemonsets: true, deleteEmptyDir: true, force: true });
    expect(loose.errors).toEqual([]);
    expect(loose.evict.map((p) => p.metadata.name)).toEqual(['managed', 'bare', 'scratch']);
    expect(loose.warnings[0]).toBe('ignoring DaemonSet-managed Pods: default/ds');
  });
});

describe('generators', () => {
  it('create deployment builds what kubectl builds', () => {
    expect(containerNameFromImage('localhost/edge-test/httpd:1')).toBe('httpd');
    const d = deploymentFor('web', ['localhost/edge-test/httpd:1'], 3, 8080) as Loose;
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(d.spec.template.spec.containers).toEqual([
      { name: 'httpd', image: 'localhost/edge-test/httpd:1', ports: [{ containerPort: 8080 }], resources: {} },
    ]);
  });
  it('run builds a pod with run=NAME, restart policy and args', () => {
    const p = podFor('bb', {
      image: 'busybox',
      env: ['A=1'],
      command: false,
      args: ['sleep', '9'],
      restart: 'Never',
    }) as Loose;
    expect(p.metadata.labels).toEqual({ run: 'bb' });
    expect(p.spec.restartPolicy).toBe('Never');
    expect(p.spec.containers[0]).toMatchObject({
      name: 'bb',
      image: 'busybox',
      args: ['sleep', '9'],
      env: [{ name: 'A', value: '1' }],
    });
    expect(() => podFor('x', { image: 'i', env: [], command: false, args: [], restart: 'Sometimes' })).toThrow(
      /invalid restart policy/,
    );
  });
  it('expose builds a Service from a deployment selector and ports', () => {
    const d = deploymentFor('web', ['httpd'], 1, 8080) as never;
    const svc = serviceFor(d, { port: '80', targetPort: '8080', type: 'NodePort' }) as Loose;
    expect(svc.spec).toEqual({
      ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
      selector: { app: 'web' },
      type: 'NodePort',
    });
    expect((serviceFor(d, {}) as Loose).spec.ports).toEqual([{ port: 8080, protocol: 'TCP', targetPort: 8080 }]);
  });
  it('set image patches containers by name with $setElementOrder', () => {
    const d = deploymentFor('web', ['a:1', 'b:1'], 1) as never;
    expect(setImagePatch(d, new Map([['a', 'a:2']]))).toEqual({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
            containers: [{ image: 'a:2', name: 'a' }],
          },
        },
      },
    });
    expect(() => setImagePatch(d, new Map([['zzz', 'x']]))).toThrow('unable to find container named "zzz"');
  });
});

describe('exec status', () => {
  it('maps the channel-3 status to an exit code', () => {
    expect(exitCodeOf({ status: 'Success' })).toEqual({ code: 0 });
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toEqual({ code: 3, message: 'command terminated with exit code 3' });
    expect(exitCodeOf({ status: 'Failure', message: 'boom' })).toEqual({ code: 1, message: 'error: boom' });
  });
});
