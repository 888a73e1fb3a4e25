/**
 * End to end: the real `peapod` binary against a real hub process, compared with the real kubectl
 * on the same hub (same kubeconfig) wherever both apply. Needs `npx tsc -b` first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubProcess, startHubProcess } from '../../hub/test/helpers/hub-process.js';
import { clients, maskAges, runCommand } from './helpers.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
let hub: HubProcess;
let tmp: string;
let peapod: ReturnType<typeof clients>['peapod'];
let kubectl: ReturnType<typeof clients>['kubectl'];

beforeAll(async () => {
  hub = await startHubProcess();
  tmp = mkdtempSync(join(tmpdir(), 'peapod-cli-e2e-'));
  ({ peapod, kubectl } = clients(hub.kubeconfigPath, join(tmp, 'kube-cache')));
});

afterAll(async () => {
  await hub?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs the same arguments through both tools and expects identical output and exit code. */
async function same(args: string[], opts: { masked?: boolean } = {}) {
  const [a, b] = await Promise.all([peapod(args), kubectl(args)]);
  const norm = (s: string) => (opts.masked ? maskAges(s) : s);
  expect({ code: a.code, stdout: norm(a.stdout), stderr: norm(a.stderr) }).toEqual({
    code: b.code,
    stdout: norm(b.stdout),
    stderr: norm(b.stderr),
  });
  return a;
}

describe('peapod against a real hub, compared with kubectl', () => {
  it('prints the same tables and empty-list messages', async () => {
    await same(['get', 'pods']);
    await same(['get', 'namespaces'], { masked: true });
    await same(['get', 'ns', 'default', 'kube-system', '-o', 'wide'], { masked: true });
    await same(['get', 'nodes']);
    await same(['get', 'pods', '-A']);
    await same(['get', 'deploy', '-n', 'kube-system']);
    await same(['get', 'events', '-A']);
    await same(['get', 'endpoints', '-A'], { masked: true });
  });

  it('prints the same errors and exit codes', async () => {
    const r = await same(['get', 'pods', 'nope']);
    expect(r.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    expect(r.code).toBe(1);
    await same(['get', 'deployments', 'nope']);
    const t = await same(['get', 'gizmos']);
    expect(t.stderr).toBe('error: the server doesn\'t have a resource type "gizmos"\n');
    await same(['delete', 'pod', 'nope']);
    await same(['describe', 'pod', 'nope']);
  });

  it('applies, re-applies and reconfigures a multi-document file', async () => {
    const file = join(EXAMPLES, 'web-deployment.yaml');
    const first = await peapod(['apply', '-f', file]);
    expect(first).toEqual({ code: 0, stdout: 'deployment.apps/web created\nservice/web created\n', stderr: '' });
    expect((await peapod(['apply', '-f', file])).stdout).toBe('deployment.apps/web unchanged\nservice/web unchanged\n');
    // kubectl agrees that nothing changed.
    expect((await kubectl(['apply', '-f', file])).stdout).toBe(
      'deployment.apps/web unchanged\nservice/web unchanged\n',
    );
    const { readFileSync } = await import('node:fs');
    const changed = readFileSync(file, 'utf8')
      .replace('replicas: 3', 'replicas: 2')
      .replace(/^ {6}maxSurge: 1\n/m, '');
    const r = await peapod(['apply', '-f', '-'], changed);
    expect(r.stdout).toBe('deployment.apps/web configured\nservice/web unchanged\n');
    const spec = JSON.parse((await kubectl(['get', 'deploy', 'web', '-o', 'json'])).stdout).spec;
    expect(spec.replicas).toBe(2);
    expect(spec.strategy.rollingUpdate.maxSurge).toBe('25%');
    expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const dup = await same(['create', '-f', file]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain(
      `Error from server (AlreadyExists): error when creating "${file}": deployments.apps "web" already exists`,
    );
  });

  it('shows deployments and services like kubectl, in every output format', async () => {
    await same(['get', 'deploy', '-o', 'wide'], { masked: true });
    await same(['get', 'all'], { masked: true });
    await same(['get', 'svc,deploy', '--show-labels'], { masked: true });
    await same(['get', 'deploy', 'web', '-o', 'name']);
    await same(['get', 'deploy', '-o', 'jsonpath={.items[*].metadata.name}']);
    await same(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    await same([
      'get',
      'deploy',
      '-o',
      'custom-columns=NAME:.metadata.name,IMAGE:.spec.template.spec.containers[*].image',
    ]);
    // -o json and -o yaml are byte for byte what kubectl prints (sorted keys, 4-space JSON, YAML 1.1 quoting).
    await same(['get', 'deploy', 'web', '-o', 'json']);
    await same(['get', 'all', '-o', 'json']);
    await same(['get', 'deploy', 'web', '-o', 'yaml']);
    await same(['get', 'svc', '-o', 'yaml']);
    await same(['get', 'ns', '-o', 'yaml']);
  });

  it('describes like kubectl', async () => {
    await same(['describe', 'deployment', 'web'], { masked: true });
    await same(['describe', 'service', 'web'], { masked: true });
    await same(['describe', 'namespace', 'default'], { masked: true });
  });

  it('runs pods, labels, annotates and deletes them with kubectl messages', async () => {
    const r = await peapod([
      'run',
      'bb',
      '--image=localhost/edge-test/busybox:1',
      '--restart=Never',
      '--',
      'sleep',
      '60',
    ]);
    expect(r).toEqual({ code: 0, stdout: 'pod/bb created\n', stderr: '' });
    expect(
      (
        await kubectl([
          'get',
          'pod',
          'bb',
          '-o',
          'jsonpath={.metadata.labels.run} {.spec.restartPolicy} {.spec.containers[0].args}',
        ])
      ).stdout,
    ).toBe('bb Never ["sleep","60"]');
    await same(['get', 'pods', '-o', 'wide'], { masked: true });
    await same(['describe', 'pod', 'bb'], { masked: true });
    expect((await peapod(['label', 'pod', 'bb', 'tier=edge'])).stdout).toBe('pod/bb labeled\n');
    const clash = await same(['label', 'pod', 'bb', 'tier=cloud']);
    expect(clash.code).toBe(1);
    expect((await peapod(['label', 'pod/bb', 'tier=cloud', '--overwrite'])).stdout).toBe('pod/bb labeled\n');
    await same(['get', 'pods', '-l', 'tier=cloud'], { masked: true });
    expect((await peapod(['annotate', 'pod', 'bb', 'note=hi'])).stdout).toBe('pod/bb annotated\n');
    expect((await kubectl(['get', 'pod', 'bb', '-o', 'jsonpath={.metadata.annotations.note}'])).stdout).toBe('hi');
    expect((await peapod(['label', 'pod', 'bb', 'tier-'])).stdout).toBe('pod/bb unlabeled\n');
    const again = await peapod(['run', 'bb', '--image=localhost/edge-test/busybox:1']);
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (AlreadyExists): pods "bb" already exists\n',
    });
    const del = await peapod(['delete', 'pod', 'bb']);
    expect(del).toEqual({ code: 0, stdout: 'pod "bb" deleted\n', stderr: '' });
    expect((await kubectl(['get', 'pod', 'bb'])).code).toBe(1);
  });

  it('creates deployments and namespaces, scales, sets images and exposes', async () => {
    expect((await peapod(['create', 'namespace', 'edge'])).stdout).toBe('namespace/edge created\n');
    expect(
      (
        await peapod([
          'create',
          'deployment',
          'api',
          '--image=localhost/edge-test/httpd:1',
          '--replicas=2',
          '--port=8080',
          '-n',
          'edge',
        ])
      ).stdout,
    ).toBe('deployment.apps/api created\n');
    await same(['get', 'deploy', '-n', 'edge', '-o', 'wide'], { masked: true });
    expect((await peapod(['scale', 'deploy/api', '--replicas=4', '-n', 'edge'])).stdout).toBe(
      'deployment.apps/api scaled\n',
    );
    expect((await kubectl(['get', 'deploy', 'api', '-n', 'edge', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('4');
    expect(
      (await peapod(['set', 'image', 'deployment/api', 'httpd=localhost/edge-test/httpd:2', '-n', 'edge'])).stdout,
    ).toBe('deployment.apps/api image updated\n');
    expect(
      (
        await kubectl([
          'get',
          'deploy',
          'api',
          '-n',
          'edge',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ])
      ).stdout,
    ).toBe('localhost/edge-test/httpd:2');
    const bad = await peapod(['set', 'image', 'deployment/api', 'nope=x', '-n', 'edge']);
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'error: unable to find container named "nope"\n' });
    expect(
      (
        await peapod([
          'expose',
          'deployment',
          'api',
          '--port=80',
          '--target-port=8080',
          '--type=NodePort',
          '-n',
          'edge',
        ])
      ).stdout,
    ).toBe('service/api exposed\n');
    const svc = JSON.parse((await kubectl(['get', 'svc', 'api', '-n', 'edge', '-o', 'json'])).stdout);
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.selector).toEqual({ app: 'api' });
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' });
    await same(['get', 'svc', '-n', 'edge'], { masked: true });
    expect((await peapod(['rollout', 'pause', 'deploy/api', '-n', 'edge'])).stdout).toBe(
      'deployment.apps/api paused\n',
    );
    expect((await peapod(['rollout', 'pause', 'deploy/api', '-n', 'edge'])).stdout).toBe(
      'deployment.apps/api already paused\n',
    );
    const undo = await peapod(['rollout', 'undo', 'deploy/api', '-n', 'edge']);
    expect(undo.stderr).toBe(
      "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n",
    );
    expect((await peapod(['rollout', 'resume', 'deploy/api', '-n', 'edge'])).stdout).toBe(
      'deployment.apps/api resumed\n',
    );
    expect((await peapod(['rollout', 'restart', 'deploy/api', '-n', 'edge'])).stdout).toBe(
      'deployment.apps/api restarted\n',
    );
    const del = await peapod(['delete', 'namespace', 'edge', '--wait=false']);
    expect(del.stdout).toBe('namespace "edge" deleted\n');
  });

  it('cordons, taints and labels nodes like kubectl', async () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'edge-1', labels: { 'kubernetes.io/hostname': 'edge-1' } },
    };
    writeFileSync(join(tmp, 'node.json'), JSON.stringify(node));
    expect((await peapod(['create', '-f', join(tmp, 'node.json')])).stdout).toBe('node/edge-1 created\n');
    expect((await peapod(['cordon', 'edge-1'])).stdout).toBe('node/edge-1 cordoned\n');
    expect((await peapod(['cordon', 'edge-1'])).stdout).toBe('node/edge-1 already cordoned\n');
    await same(['get', 'nodes'], { masked: true });
    expect((await peapod(['uncordon', 'edge-1'])).stdout).toBe('node/edge-1 uncordoned\n');
    expect((await peapod(['taint', 'nodes', 'edge-1', 'env=dev:NoSchedule'])).stdout).toBe('node/edge-1 tainted\n');
    expect((await kubectl(['get', 'node', 'edge-1', '-o', 'jsonpath={.spec.taints}'])).stdout).toBe(
      '[{"effect":"NoSchedule","key":"env","value":"dev"}]',
    );
    await same(['taint', 'nodes', 'edge-1', 'env=prod:NoSchedule']);
    expect((await peapod(['taint', 'nodes', 'edge-1', 'env:NoSchedule-'])).stdout).toBe('node/edge-1 untainted\n');
    expect((await kubectl(['get', 'node', 'edge-1', '-o', 'jsonpath={.spec.taints}'])).stdout).toBe('');
    await same(['describe', 'node', 'edge-1'], { masked: true });
  });

  it('watches: prints the header and rows as objects change', async () => {
    const { spawn } = await import('node:child_process');
    const { PEAPOD } = await import('./helpers.js');
    const child = spawn(process.execPath, [PEAPOD, 'get', 'pods', '-w'], {
      env: { ...process.env, KUBECONFIG: hub.kubeconfigPath },
    });
    let out = '';
    const seen = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (/^w1 /m.test(out)) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await peapod(['run', 'w1', '--image=localhost/edge-test/busybox:1'])).code).toBe(0);
    await seen;
    process.kill(child.pid!, 'SIGTERM');
    expect(out.split('\n')[0]).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE$/);
    expect(out).toMatch(/^w1 +0\/1 +Pending +0 +\d+s$/m);
    await peapod(['delete', 'pod', 'w1', '--wait=false']);
  });

  it('watches with the same rows and alignment as kubectl get -w', async () => {
    const { spawn } = await import('node:child_process');
    const { PEAPOD } = await import('./helpers.js');
    const env = { ...process.env, KUBECONFIG: hub.kubeconfigPath };
    const start = (cmd: string, args: string[]) => {
      const child = spawn(cmd, args, { env });
      let out = '';
      const row = new Promise<void>((resolve) => {
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (/^w2 /m.test(out)) resolve();
        });
      });
      return { child, row, out: () => out };
    };
    const a = start(process.execPath, [PEAPOD, 'get', 'pods', '-w']);
    const b = start('kubectl', ['get', 'pods', '-w', `--cache-dir=${join(tmp, 'kube-cache')}`]);
    // Whether the pod shows up in the first list or as a watch event, both tools print the same
    // header and row, so no synchronisation with the watch start is needed.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await peapod(['run', 'w2', '--image=localhost/edge-test/busybox:1'])).code).toBe(0);
    try {
      await Promise.all([a.row, b.row]);
    } finally {
      process.kill(a.child.pid!, 'SIGTERM');
      process.kill(b.child.pid!, 'SIGTERM');
    }
    expect(maskAges(a.out())).toBe(maskAges(b.out()));
    await peapod(['delete', 'pod', 'w2', '--wait=false']);
  });

  it('reports an unreachable hub like kubectl', async () => {
    const [a, b] = await Promise.all([
      peapod(['get', 'pods', '--server=https://127.0.0.1:1']),
      kubectl(['get', 'pods', '--server=https://127.0.0.1:1']),
    ]);
    // kubectl also logs its discovery retries; the final line is the message users see.
    const lastLine = (s: string) => s.trim().split('\n').pop();
    expect(a.stderr).toBe(
      'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
    );
    expect(lastLine(a.stderr)).toBe(lastLine(b.stderr));
    expect(a.code).toBe(b.code);
  });

  it('reads kubeconfig contexts and switches them', async () => {
    await same(['config', 'get-contexts']);
    await same(['config', 'current-context']);
    const { copyFileSync } = await import('node:fs');
    const copy = join(tmp, 'kubeconfig-copy.yaml');
    copyFileSync(hub.kubeconfigPath, copy);
    await kubectl([
      'config',
      'set-context',
      'edge',
      '--cluster=peapod',
      '--user=peapod-admin',
      '--namespace=kube-system',
      `--kubeconfig=${copy}`,
    ]);
    expect((await peapod(['config', 'use-context', 'edge', '--kubeconfig', copy])).stdout).toBe(
      'Switched to context "edge".\n',
    );
    expect((await kubectl(['config', 'current-context', `--kubeconfig=${copy}`])).stdout).toBe('edge\n');
    const [a, b] = await Promise.all([
      peapod(['get', 'pods', '--kubeconfig', copy]),
      kubectl(['get', 'pods', `--kubeconfig=${copy}`]),
    ]);
    expect(a.stderr).toBe('No resources found in kube-system namespace.\n');
    expect(a.stderr).toBe(b.stderr);
    const view = await peapod(['config', 'view', '--kubeconfig', copy]);
    expect(view.stdout).toContain('token: REDACTED');
    expect(view.stdout).toContain('certificate-authority-data: DATA+OMITTED');
    const v = await peapod(['version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^Client Version: v0\.1\.0-peapod\nServer Version: v1\.32\.\d+/);
  });
});

describe('peapod without a hub', () => {
  it('prints help, completion and explain', async () => {
    const { PEAPOD } = await import('./helpers.js');
    const help = await runCommand(process.execPath, [PEAPOD, '--help']);
    expect(help.stdout).toContain('rollout      Manage rollouts');
    const comp = await runCommand(process.execPath, [PEAPOD, 'completion', 'bash']);
    expect(comp.stdout).toContain('complete -o default -F _peapod peapod');
    const bash = await runCommand('bash', ['-n'], { stdin: comp.stdout });
    expect(bash.code).toBe(0);
    const ex = await runCommand(process.execPath, [PEAPOD, 'explain', 'pod.spec.containers']);
    expect(ex.stdout).toContain('FIELD: containers <[]Container>');
    expect(ex.stdout).toContain('livenessProbe\t<Probe>');
    const bad = await runCommand(process.execPath, [PEAPOD, 'frobnicate']);
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: unknown command "frobnicate" for "peapod"\nRun \'peapod --help\' for usage.\n',
    });
  });
});
