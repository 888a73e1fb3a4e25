import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ReplicaSet } from '@peapod/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalResourceService } from '../src/api/service.js';
import { createControllersComponent } from '../src/controllers/index.js';
import { NODES, REPLICASETS } from '../src/controllers/objects.js';
import { type HubHandle, startHub } from '../src/hub.js';
import { createSchedulerComponent } from '../src/scheduler/scheduler.js';
import { readyNode, type SimulatedAgent, simulateAgent, waitFor } from './controllers-harness.js';

const run = promisify(execFile);

/**
 * The seeds' deployment walkthrough with the real kubectl 1.32 against a real hub (HTTP API, store,
 * scheduler, controllers); the agents are simulated through the ResourceService (end-to-end runs
 * with real agents are the integrator's).
 */
describe('kubectl deployment walkthrough (real hub, simulated agents)', () => {
  let hub: HubHandle;
  let dir: string;
  const agents: SimulatedAgent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peapod-kubectl-'));
    hub = await startHub({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      logLevel: 'error',
      components: [createSchedulerComponent(), createControllersComponent()],
    });
    const service = hub.hubContext.service as LocalResourceService;
    for (const n of ['edge-1', 'edge-2']) {
      service.create(NODES, undefined, readyNode(n));
      agents.push(simulateAgent(service, n));
    }
  });

  afterAll(async () => {
    for (const a of agents) a.stop();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // kubectl must run asynchronously: the hub lives in this process.
  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', hub.kubeconfigPath, '--cache-dir', join(dir, 'kube-cache'), ...args],
      { encoding: 'utf8', timeout: 60_000 },
    );
    return stdout;
  };
  const revisions = async () =>
    (await kubectl('rollout', 'history', 'deploy/web'))
      .split('\n')
      .slice(2)
      .map((line) => line.split(/\s+/)[0])
      .filter(Boolean);
  const replicaSets = () => hub.hubContext.service.list(REPLICASETS, { namespace: 'default' }).items as ReplicaSet[];

  it('create, scale, set image, history, undo --to-revision, restart, delete', async () => {
    const manifest = join(dir, 'web.yaml');
    writeFileSync(
      manifest,
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  replicas: 2',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec: {containers: [{name: app, image: "localhost/edge-test/httpd:1"}]}',
        '',
      ].join('\n'),
    );
    expect(await kubectl('apply', '-f', manifest)).toBe('deployment.apps/web created\n');
    expect(await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s')).toContain(
      'deployment "web" successfully rolled out',
    );

    expect(await kubectl('scale', 'deploy/web', '--replicas=4')).toBe('deployment.apps/web scaled\n');
    expect(await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s')).toContain('successfully rolled out');
    expect(await revisions()).toEqual(['1']);

    await kubectl('set', 'image', 'deploy/web', 'app=localhost/edge-test/busybox:1');
    expect(await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s')).toContain('successfully rolled out');
    expect(await revisions()).toEqual(['1', '2']);
    const rev1 = replicaSets().find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1');

    expect(await kubectl('rollout', 'undo', 'deploy/web', '--to-revision=1')).toBe('deployment.apps/web rolled back\n');
    expect(await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s')).toContain('successfully rolled out');
    // The revision-1 ReplicaSet is reused and becomes revision 3, as upstream.
    expect(await revisions()).toEqual(['2', '3']);
    const reused = replicaSets().find((rs) => rs.metadata.uid === rev1?.metadata.uid);
    expect(reused?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(reused?.spec.replicas).toBe(4);
    expect(await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe(
      'localhost/edge-test/httpd:1',
    );

    await kubectl('rollout', 'restart', 'deploy/web');
    expect(await kubectl('rollout', 'status', 'deploy/web', '--timeout=60s')).toContain('successfully rolled out');
    expect(await revisions()).toEqual(['2', '3', '4']);

    await kubectl('delete', 'deploy', 'web');
    // The garbage collector removes the ReplicaSets and pods after the Deployment.
    await waitFor(async () => (await kubectl('get', 'rs,pods', '-o', 'name')).trim() === '', 'dependents gone');
  });

  it('taint NoSchedule keeps pods, NoExecute moves them; cordon and drain empty a node', async () => {
    const manifest = join(dir, 'api.yaml');
    writeFileSync(
      manifest,
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: api}',
        'spec:',
        '  replicas: 4',
        '  selector: {matchLabels: {app: api}}',
        '  template:',
        '    metadata: {labels: {app: api}}',
        '    spec: {containers: [{name: app, image: "localhost/edge-test/httpd:1"}]}',
        '',
      ].join('\n'),
    );
    await kubectl('apply', '-f', manifest);
    await kubectl('rollout', 'status', 'deploy/api', '--timeout=60s');
    const nodesOfPods = async () =>
      (await kubectl('get', 'pods', '-l', 'app=api', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}'))
        .split('\n')
        .filter(Boolean)
        .sort();
    expect(new Set(await nodesOfPods())).toEqual(new Set(['edge-1', 'edge-2']));

    await kubectl('taint', 'node', 'edge-1', 'dedicated=gpu:NoSchedule');
    await kubectl('scale', 'deploy/api', '--replicas=6');
    await kubectl('rollout', 'status', 'deploy/api', '--timeout=60s');
    const afterNoSchedule = await nodesOfPods();
    expect(afterNoSchedule.filter((n) => n === 'edge-1')).toHaveLength(2); // untouched
    expect(afterNoSchedule.filter((n) => n === 'edge-2')).toHaveLength(4); // new ones avoid edge-1

    await kubectl('taint', 'node', 'edge-1', 'dedicated=gpu:NoExecute');
    await waitFor(async () => (await nodesOfPods()).every((n) => n === 'edge-2'), 'pods evicted from edge-1');
    await kubectl('rollout', 'status', 'deploy/api', '--timeout=60s');
    expect(await nodesOfPods()).toEqual(Array(6).fill('edge-2'));

    await kubectl('taint', 'node', 'edge-1', 'dedicated-');
    expect(await kubectl('drain', 'edge-2', '--ignore-daemonsets', '--timeout=60s')).toContain('node/edge-2 drained');
    await kubectl('rollout', 'status', 'deploy/api', '--timeout=60s');
    expect(await nodesOfPods()).toEqual(Array(6).fill('edge-1'));
    expect(await kubectl('get', 'node', 'edge-2', '--no-headers')).toMatch(/^edge-2\s+Ready,SchedulingDisabled/);
    expect(await kubectl('uncordon', 'edge-2')).toBe('node/edge-2 uncordoned\n');
    await kubectl('delete', 'deploy', 'api');
  });
});
