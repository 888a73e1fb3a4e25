import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, podManifest } from './helpers/api-client.js';
import { type HubProcess, startHubProcess } from './helpers/hub-process.js';

/** The real kubectl 1.32 against a real hub process, with the kubeconfig the hub wrote. */

let hub: HubProcess;
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], kubeconfig = hub.kubeconfigPath): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--cache-dir', join(work, 'cache'), ...args],
      { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function manifest(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'peapod-kubectl-'));
  hub = await startHubProcess();
});

afterAll(async () => {
  await hub?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('kubectl get', () => {
  beforeAll(async () => {
    await api(hub, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'other' } } });
    await api(hub, 'POST', '/api/v1/namespaces/default/pods', { body: podManifest('get-web', { app: 'web' }) });
    await api(hub, 'POST', '/api/v1/namespaces/other/pods', { body: podManifest('get-db', { app: 'db' }) });
  });

  it('prints the server-side table, -o wide, -A and -l', async () => {
    const plain = await kubectl(['get', 'pods']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(plain.stdout).toMatch(/get-web\s+0\/1\s+Pending\s+0\s+\d+s/);
    expect(plain.stdout).not.toContain('get-db');

    const wide = await kubectl(['get', 'pods', '-o', 'wide']);
    expect(wide.stdout).toMatch(
      /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/,
    );

    const all = await kubectl(['get', 'po', '-A']);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME/);
    expect(all.stdout).toMatch(/default\s+get-web/);
    expect(all.stdout).toMatch(/other\s+get-db/);

    const labelled = await kubectl(['get', 'pods', '-A', '-l', 'app=db', '--show-labels']);
    expect(labelled.stdout).toContain('get-db');
    expect(labelled.stdout).not.toContain('get-web');
    expect(labelled.stdout).toMatch(/app=db/);
  });

  it('prints YAML and JSON objects', async () => {
    const yaml = await kubectl(['get', 'pod', 'get-web', '-o', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^apiVersion: v1\nkind: Pod\n/);
    expect(yaml.stdout).toContain('name: get-web');
    const list = await kubectl(['get', 'pods', '-n', 'other', '-o', 'json']);
    expect(JSON.parse(list.stdout).items[0].metadata.name).toBe('get-db');
  });

  it('gets namespaces, all, and reports NotFound and empty lists like Kubernetes', async () => {
    const ns = await kubectl(['get', 'ns']);
    expect(ns.stdout).toMatch(/default\s+Active/);
    expect(ns.stdout).toMatch(/kube-system\s+Active/);
    const all = await kubectl(['get', 'all']);
    expect(all.stdout).toContain('pod/get-web');
    const missing = await kubectl(['get', 'pod', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
    const empty = await kubectl(['get', 'deployments', '-n', 'kube-public']);
    expect(empty.stderr).toContain('No resources found in kube-public namespace.');
  });

  it('rejects a wrong token with the login message', async () => {
    const { readFileSync } = await import('node:fs');
    const bad = join(work, 'bad-kubeconfig.yaml');
    writeFileSync(bad, readFileSync(hub.kubeconfigPath, 'utf8').replace(hub.token, 'not-the-token'));
    const res = await kubectl(['get', 'pods'], bad);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });
});

describe('kubectl writes', () => {
  it('apply -f twice: created, then configured through a strategic merge patch, then unchanged', async () => {
    const text = (image: string, env: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${image}
        env:
${env}
`;
    const path = manifest(
      'deploy.yaml',
      text('localhost/edge-test/httpd:1', '        - {name: A, value: "1"}\n        - {name: B, value: "2"}'),
    );
    const first = await kubectl(['apply', '-f', path]);
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout.trim()).toBe('deployment.apps/web created');

    manifest('deploy.yaml', text('localhost/edge-test/httpd:2', '        - {name: A, value: "1"}'));
    const second = await kubectl(['apply', '-f', path]);
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(second.stdout.trim()).toBe('deployment.apps/web configured');
    const stored = (await api(hub, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
    expect(stored.spec.template.spec.containers[0].image).toBe('localhost/edge-test/httpd:2');
    expect(stored.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(stored.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('httpd:2');

    const third = await kubectl(['apply', '-f', path]);
    expect(third.stdout.trim()).toBe('deployment.apps/web unchanged');

    const scaled = await kubectl(['scale', 'deployment', 'web', '--replicas=3']);
    expect(scaled.stdout.trim()).toBe('deployment.apps/web scaled');
    expect((await api(hub, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body.spec.replicas).toBe(3);

    const duplicate = await kubectl(['create', '-f', path]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('Error from server (AlreadyExists): error when creating');
    expect(duplicate.stderr).toContain('deployments.apps "web" already exists');
  });

  it('apply rejects unknown fields the way kubectl expects (Strict by default)', async () => {
    const path = manifest(
      'typo.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\n  lables: {a: b}\nspec:\n  containers:\n  - name: app\n    image: localhost/edge-test/busybox:1\n',
    );
    const strict = await kubectl(['apply', '-f', path]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('strict decoding error: unknown field "metadata.lables"');
    const warned = await kubectl(['apply', '--validate=warn', '-f', path]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('Warning: unknown field "metadata.lables"');
  });

  it('label, then delete', async () => {
    const path = manifest(
      'pod.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: labelled\nspec:\n  containers:\n  - name: app\n    image: localhost/edge-test/busybox:1\n',
    );
    expect((await kubectl(['apply', '-f', path])).stdout.trim()).toBe('pod/labelled created');
    const label = await kubectl(['label', 'pod', 'labelled', 'tier=front']);
    expect(label.stdout.trim()).toBe('pod/labelled labeled');
    expect((await api(hub, 'GET', '/api/v1/namespaces/default/pods/labelled')).body.metadata.labels.tier).toBe('front');
    const unlabel = await kubectl(['label', 'pod', 'labelled', 'tier-']);
    expect(unlabel.stdout.trim()).toBe('pod/labelled unlabeled');
    const deleted = await kubectl(['delete', 'pod', 'labelled']);
    expect([deleted.code, deleted.stderr]).toEqual([0, '']);
    expect(deleted.stdout.trim()).toBe('pod "labelled" deleted');
    expect((await api(hub, 'GET', '/api/v1/namespaces/default/pods/labelled')).status).toBe(404);
    const again = await kubectl(['delete', '-f', path]);
    expect(again.stderr).toContain('Error from server (NotFound): error when deleting');
  });

  it('explain walks the schemas of the OpenAPI v3 documents', async () => {
    const pod = await kubectl(['explain', 'pods']);
    expect([pod.code, pod.stderr]).toEqual([0, '']);
    expect(pod.stdout).toMatch(/^KIND: {7}Pod\nVERSION: {4}v1\n/);
    expect(pod.stdout).toContain('  spec\t<PodSpec>\n    Specification of the desired behavior of the pod.');

    const probe = await kubectl(['explain', 'deployments.spec.template.spec.containers.livenessProbe']);
    expect([probe.code, probe.stderr]).toEqual([0, '']);
    expect(probe.stdout).toContain('GROUP:      apps\nKIND:       Deployment');
    expect(probe.stdout).toContain('FIELD: livenessProbe <Probe>');
    expect(probe.stdout).toContain('  periodSeconds\t<integer>\n    How often to probe (default 10).');

    const labels = await kubectl(['explain', 'svc.spec.selector']);
    expect(labels.stdout).toContain('FIELD: selector <map[string]string>');

    const missing = await kubectl(['explain', 'pod.spec.nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: field "nope" does not exist');
  });

  it('describe pod shows its events', async () => {
    const pod = (await api(hub, 'POST', '/api/v1/namespaces/default/pods', { body: podManifest('described') })).body;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'described.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'described', uid: pod.metadata.uid, apiVersion: 'v1' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/described to edge-1',
      type: 'Normal',
      source: { component: 'peapod-scheduler' },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    };
    const other = {
      ...event,
      metadata: { name: 'other.1', namespace: 'default' },
      involvedObject: { ...event.involvedObject, name: 'get-web', uid: 'x' },
      reason: 'Elsewhere',
    };
    expect((await api(hub, 'POST', '/api/v1/namespaces/default/events', { body: event })).status).toBe(201);
    expect((await api(hub, 'POST', '/api/v1/namespaces/default/events', { body: other })).status).toBe(201);
    const res = await kubectl(['describe', 'pod', 'described']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Name:\s+described$/m);
    expect(res.stdout).toMatch(
      /Normal\s+Scheduled\s+\S+\s+peapod-scheduler\s+Successfully assigned default\/described to edge-1/,
    );
    expect(res.stdout).not.toContain('Elsewhere');
  });
});

describe('kubectl patch-based verbs', () => {
  it('taint, cordon and uncordon a node', async () => {
    await api(hub, 'POST', '/api/v1/nodes', {
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'tainted' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
    });
    expect((await kubectl(['taint', 'node', 'tainted', 'env=dev:NoSchedule'])).stdout.trim()).toBe(
      'node/tainted tainted',
    );
    expect((await kubectl(['taint', 'node', 'tainted', 'zone=a:NoExecute'])).stdout.trim()).toBe(
      'node/tainted tainted',
    );
    const taints = async () => (await api(hub, 'GET', '/api/v1/nodes/tainted')).body.spec.taints;
    const both = await taints();
    expect(both).toHaveLength(2);
    expect(both).toEqual(
      expect.arrayContaining([
        { key: 'env', value: 'dev', effect: 'NoSchedule' },
        { key: 'zone', value: 'a', effect: 'NoExecute' },
      ]),
    );
    expect((await kubectl(['taint', 'node', 'tainted', 'env:NoSchedule-'])).stdout.trim()).toBe(
      'node/tainted untainted',
    );
    expect(await taints()).toEqual([{ key: 'zone', value: 'a', effect: 'NoExecute' }]);
    await kubectl(['taint', 'node', 'tainted', 'zone:NoExecute-']);
    expect(await taints()).toBeUndefined();

    expect((await kubectl(['cordon', 'tainted'])).stdout.trim()).toBe('node/tainted cordoned');
    expect((await kubectl(['get', 'node', 'tainted'])).stdout).toMatch(/tainted\s+Ready,SchedulingDisabled/);
    expect((await kubectl(['uncordon', 'tainted'])).stdout.trim()).toBe('node/tainted uncordoned');
    expect((await api(hub, 'GET', '/api/v1/nodes/tainted')).body.spec.unschedulable).toBeUndefined();
  });

  it('set image, rollout restart/pause/resume, apply --server-side, replace with a stale version', async () => {
    const deployments = '/apis/apps/v1/namespaces/default/deployments';
    await api(hub, 'POST', deployments, {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'verbs' },
        spec: {
          selector: { matchLabels: { app: 'verbs' } },
          template: {
            metadata: { labels: { app: 'verbs' } },
            spec: { containers: [{ name: 'app', image: 'localhost/edge-test/httpd:1' }] },
          },
        },
      },
    });
    const get = async () => (await api(hub, 'GET', `${deployments}/verbs`)).body;
    expect((await kubectl(['set', 'image', 'deployment/verbs', 'app=localhost/edge-test/httpd:2'])).stdout.trim()).toBe(
      'deployment.apps/verbs image updated',
    );
    expect((await get()).spec.template.spec.containers[0].image).toBe('localhost/edge-test/httpd:2');
    expect((await kubectl(['rollout', 'restart', 'deployment/verbs'])).stdout.trim()).toBe(
      'deployment.apps/verbs restarted',
    );
    expect((await get()).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect((await kubectl(['rollout', 'pause', 'deployment/verbs'])).stdout.trim()).toBe(
      'deployment.apps/verbs paused',
    );
    expect((await get()).spec.paused).toBe(true);
    expect((await kubectl(['rollout', 'resume', 'deployment/verbs'])).stdout.trim()).toBe(
      'deployment.apps/verbs resumed',
    );
    expect((await get()).spec.paused).toBeUndefined();

    const ssa = manifest(
      'ssa.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: ssa\n  labels: {v: "1"}\nspec:\n  containers:\n  - name: app\n    image: localhost/edge-test/busybox:1\n',
    );
    expect((await kubectl(['apply', '--server-side', '-f', ssa])).stdout.trim()).toBe('pod/ssa serverside-applied');
    manifest(
      'ssa.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: ssa\n  labels: {v: "2"}\nspec:\n  containers:\n  - name: app\n    image: localhost/edge-test/busybox:1\n',
    );
    expect((await kubectl(['apply', '--server-side', '-f', ssa])).stdout.trim()).toBe('pod/ssa serverside-applied');
    expect((await api(hub, 'GET', '/api/v1/namespaces/default/pods/ssa')).body.metadata.labels.v).toBe('2');

    const current = (await kubectl(['get', 'deployment', 'verbs', '-o', 'json'])).stdout;
    const path = manifest('replace.json', current);
    await kubectl(['label', 'deployment', 'verbs', 'moved=on']);
    const stale = await kubectl(['replace', '-f', path]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('Error from server (Conflict)');
    expect(stale.stderr).toContain('the object has been modified');
  });
});

describe('kubectl typed clients (protobuf bodies)', () => {
  it('create deployment, namespace and service generators work', async () => {
    const deployment = await kubectl([
      'create',
      'deployment',
      'gen',
      '--image=localhost/edge-test/httpd:1',
      '--replicas=2',
      '--port=80',
    ]);
    expect([deployment.code, deployment.stdout.trim()]).toEqual([0, 'deployment.apps/gen created']);
    const stored = (await api(hub, 'GET', '/apis/apps/v1/namespaces/default/deployments/gen')).body;
    expect(stored.spec).toMatchObject({
      replicas: 2,
      selector: { matchLabels: { app: 'gen' } },
      template: { metadata: { labels: { app: 'gen' } } },
    });
    expect(stored.spec.template.spec.containers[0]).toMatchObject({
      name: 'httpd',
      image: 'localhost/edge-test/httpd:1',
      ports: [{ containerPort: 80 }],
    });
    const ns = await kubectl(['create', 'namespace', 'generated']);
    expect(ns.stdout.trim()).toBe('namespace/generated created');
    const svc = await kubectl(['create', 'service', 'nodeport', 'gen', '--tcp=81:http']);
    expect(svc.stdout.trim()).toBe('service/gen created');
    const service = (await api(hub, 'GET', '/api/v1/namespaces/default/services/gen')).body;
    expect(service.spec).toMatchObject({ type: 'NodePort', selector: { app: 'gen' } });
    expect(service.spec.ports[0]).toMatchObject({ port: 81, targetPort: 'http', protocol: 'TCP' });
    const configmap = await kubectl(['create', 'configmap', 'cm', '--from-literal=a=b']);
    expect(configmap.code).toBe(1);
    expect(configmap.stderr).toContain('the server could not find the requested resource');
  });

  it('drain evicts the pods of a node (typed client, protobuf Eviction)', async () => {
    await api(hub, 'POST', '/api/v1/nodes', {
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'drained' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
    });
    await api(hub, 'POST', '/api/v1/namespaces/default/pods', { body: podManifest('on-drained') });
    await api(hub, 'POST', '/api/v1/namespaces/default/pods/on-drained/binding', {
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'on-drained' },
        target: { kind: 'Node', name: 'drained' },
      },
    });
    const res = await kubectl(['drain', 'drained', '--force', '--grace-period=0']);
    expect(res.code).toBe(0);
    // policy/v1 is in discovery, so drain evicts (POST pods/x/eviction) rather than deletes.
    expect(res.stdout).toContain('evicting pod default/on-drained');
    expect(res.stdout).toContain('pod/on-drained evicted');
    expect(res.stdout).toContain('node/drained drained');
    expect((await api(hub, 'GET', '/api/v1/namespaces/default/pods/on-drained')).status).toBe(404);
    expect((await api(hub, 'GET', '/api/v1/nodes/drained')).body.spec.unschedulable).toBe(true);
  });
});

describe('kubectl get -w', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  });

  it('prints the list, then live changes, and keeps watching', async () => {
    await api(hub, 'POST', '/api/v1/namespaces/default/pods', { body: podManifest('watched-1') });
    child = spawn('kubectl', ['--cache-dir', join(work, 'cache'), 'get', 'pods', '-w'], {
      env: { ...process.env, KUBECONFIG: hub.kubeconfigPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kubectl get -w never printed ${pattern}:\n${out}`)), 20_000);
        const check = () => {
          if (pattern.test(out)) {
            clearTimeout(timer);
            child?.stdout?.off('data', check);
            resolve();
          }
        };
        child?.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          check();
        });
        check();
      });
    await waitFor(/watched-1\s+0\/1\s+Pending/);
    await api(hub, 'POST', '/api/v1/namespaces/default/pods', { body: podManifest('watched-2') });
    await waitFor(/watched-2\s+0\/1\s+Pending/);
    expect(child.exitCode).toBeNull();
    process.kill(child.pid!, 'SIGTERM');
  });
});
