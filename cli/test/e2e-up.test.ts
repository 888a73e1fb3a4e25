/**
 * End to end with a real agent: `peapod up` starts a hub and an agent (real podman) in the
 * background, rolls out examples/hello.yaml; then logs, exec, top, rollout and drain run against it,
 * and `peapod down --purge` stops everything. Needs `npx tsc -b`, podman and the offline test images.
 * Containers are cleaned up by the agent's node label (a unique node name per run).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterIpRules } from '../../agent/src/services/cluster-ip-rules.js';
import { clients, PEAPOD, runCommand } from './helpers.js';

const CONTAINERS_CONF = new URL('../../ci/containers.conf', import.meta.url).pathname;
const NODE = `cli-e2e-${process.pid}-${Date.now().toString(36)}`;
let dir: string;
let peapod: ReturnType<typeof clients>['peapod'];
let kubectl: ReturnType<typeof clients>['kubectl'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const env = { CONTAINERS_CONF };
const peapodIn = (args: string[]) => runCommand(process.execPath, [PEAPOD, ...args], { env, timeoutMs: 240_000 });

async function cleanupContainers(): Promise<void> {
  // Pods first (their infra containers go with them), then any container left over. A podman call
  // the agent started just before it stopped may still finish, so sweep until nothing is left.
  for (let attempt = 0; attempt < 5; attempt++) {
    const pods = await runCommand('podman', ['pod', 'ls', '-q', '--filter', `label=io.peapod.node=${NODE}`], { env });
    if (pods.stdout.trim()) await runCommand('podman', ['pod', 'rm', '-f', ...pods.stdout.trim().split('\n')], { env });
    const ids = await runCommand('podman', ['ps', '-aq', '--filter', `label=io.peapod.node=${NODE}`], { env });
    if (ids.stdout.trim())
      await runCommand('podman', ['rm', '-f', '-t', '0', ...ids.stdout.trim().split('\n')], { env });
    if (!pods.stdout.trim() && !ids.stdout.trim() && attempt > 0) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'peapod-up-e2e-')), '.peapod');
  const up = await peapodIn([
    'up',
    '--dir',
    dir,
    '--port',
    '0',
    '--mqtt-port',
    String(await freePort()),
    '--name',
    NODE,
    '--timeout',
    '200',
  ]);
  if (up.code !== 0)
    throw new Error(
      `peapod up failed (${up.code}):\n${up.stdout}\n${up.stderr}\n${readFileSync(join(dir, 'hub.log'), 'utf8')}`,
    );
  expect(up.stdout).toContain(`node/${NODE} Ready`);
  expect(up.stdout).toContain('deployment.apps/hello created');
  expect(up.stdout).toContain('deployment "hello" successfully rolled out');
  expect(up.stdout).toMatch(/^hello-\S+ +1\/1 +Running +0 /m);
  ({ peapod, kubectl } = clients(join(dir, 'hub', 'kubeconfig.yaml'), join(dir, 'kube-cache')));
}, 300_000);

afterAll(async () => {
  if (dir) {
    const down = await peapodIn(['down', '--dir', dir, '--purge']);
    expect(down.code).toBe(0);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
  await cleanupContainers();
  await ClusterIpRules.removeLeftovers(NODE);
}, 120_000);

describe('peapod with a live agent (peapod up)', () => {
  it('lists the node and the app like kubectl', async () => {
    const [a, b] = await Promise.all([peapod(['get', 'nodes']), kubectl(['get', 'nodes'])]);
    expect(a.code).toBe(0);
    expect(a.stdout.split('\n')[0]).toBe(b.stdout.split('\n')[0]);
    expect(a.stdout).toMatch(new RegExp(`^${NODE} +Ready `, 'm'));
    const svc = await peapod(['get', 'svc', 'hello']);
    expect(svc.stdout).toMatch(/^hello +NodePort +\S+ +<none> +80:3\d{4}\/TCP /m);
  });

  it('reads logs and runs commands in pods, propagating exit codes', async () => {
    const logs = await peapod(['logs', 'deploy/hello', '--tail=5']);
    expect(logs.code).toBe(0);
    expect(logs.stderr).toMatch(/^Found 2 pods, using pod\/hello-/);
    const ok = await peapod(['exec', 'deploy/hello', '--', 'sh', '-c', 'echo from-$HOSTNAME']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^from-/);
    const bad = await peapod(['exec', 'deploy/hello', '--', 'sh', '-c', 'exit 7']);
    expect(bad.code).toBe(7);
    expect(bad.stderr).toContain('command terminated with exit code 7\n');
    const k = await kubectl(['exec', 'deploy/hello', '--', 'sh', '-c', 'exit 7']);
    expect(k.code).toBe(bad.code);
  });

  it('runs an interactive command with a terminal (-it) under a pseudo-terminal', async () => {
    const cmd = `${process.execPath} ${PEAPOD} exec -it deploy/hello -- sh -c 'test -t 0 && echo has-tty; exit 4'`;
    const r = await runCommand('script', ['-qec', cmd, '/dev/null'], {
      env: { ...env, KUBECONFIG: join(dir, 'hub', 'kubeconfig.yaml') },
    });
    expect(r.stdout).toContain('has-tty');
    expect(r.stdout).toContain('command terminated with exit code 4');
    expect(r.code).toBe(4);
  });

  it('restarts, shows history and rolls back', async () => {
    expect((await peapod(['rollout', 'restart', 'deploy/hello'])).stdout).toBe('deployment.apps/hello restarted\n');
    const status = await peapod(['rollout', 'status', 'deploy/hello', '--timeout=150s']);
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n').pop()).toBe('deployment "hello" successfully rolled out');
    const [a, b] = await Promise.all([
      peapod(['rollout', 'history', 'deploy/hello']),
      kubectl(['rollout', 'history', 'deploy/hello']),
    ]);
    expect(a.stdout).toBe('deployment.apps/hello \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    expect(a.stdout).toBe(b.stdout);
    const [ra, rb] = await Promise.all([
      peapod(['rollout', 'history', 'deploy/hello', '--revision=1']),
      kubectl(['rollout', 'history', 'deploy/hello', '--revision=1']),
    ]);
    expect(ra.stdout).toBe(rb.stdout);
    expect((await peapod(['rollout', 'undo', 'deploy/hello'])).stdout).toBe('deployment.apps/hello rolled back\n');
    expect((await peapod(['rollout', 'status', 'deploy/hello', '--timeout=150s'])).code).toBe(0);
    expect((await peapod(['rollout', 'history', 'deploy/hello'])).stdout).toBe(
      'deployment.apps/hello \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n',
    );
    const bad = await peapod(['rollout', 'undo', 'deploy/hello', '--to-revision=9']);
    expect(bad.stderr).toBe('error: unable to find specified revision 9 in history\n');
  });

  it('describes the node and a pod like kubectl (apart from ages)', async () => {
    const pods = JSON.parse((await peapod(['get', 'pods', '-o', 'json'])).stdout).items;
    const name = pods[0].metadata.name;
    // Ages taken a moment apart may differ in width (9s vs 10s), so spacing is compared loosely here;
    // exact alignment is checked against kubectl on stable outputs in e2e-hub.test.ts.
    const mask = (s: string) =>
      s
        .replace(/\b\d+(?:s|m|h)(?:\d+s)?\b/g, '<age>')
        .replace(/\d+(\.\d+)?%|\d+m\b|\d+Mi\b/g, 'N')
        .replace(/ {2,}/g, '  ');
    const [a, b] = await Promise.all([peapod(['describe', 'pod', name]), kubectl(['describe', 'pod', name])]);
    expect(mask(a.stdout)).toBe(mask(b.stdout));
    const rs = JSON.parse((await peapod(['get', 'rs', '-o', 'json'])).stdout).items[0].metadata.name;
    const [rsa, rsb] = await Promise.all([peapod(['describe', 'rs', rs]), kubectl(['describe', 'rs', rs])]);
    expect(mask(rsa.stdout)).toBe(mask(rsb.stdout));
    const [da, db] = await Promise.all([
      peapod(['describe', 'deploy', 'hello']),
      kubectl(['describe', 'deploy', 'hello']),
    ]);
    expect(mask(da.stdout)).toBe(mask(db.stdout));
    const [na, nb] = await Promise.all([peapod(['describe', 'node', NODE]), kubectl(['describe', 'node', NODE])]);
    expect(na.stdout.split('\n').slice(0, 4)).toEqual(nb.stdout.split('\n').slice(0, 4));
  });

  it('drains and uncordons the node', async () => {
    const r = await peapod(['drain', NODE, '--ignore-daemonsets', '--timeout=120s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^node/${NODE} cordoned\\n`));
    expect(r.stdout).toMatch(/^evicting pod default\/hello-/m);
    expect(r.stdout).toMatch(/^pod\/hello-\S+ evicted$/m);
    expect(r.stdout.trim().split('\n').pop()).toBe(`node/${NODE} drained`);
    expect((await peapod(['get', 'nodes', NODE])).stdout).toMatch(/Ready,SchedulingDisabled/);
    expect((await peapod(['uncordon', NODE])).stdout).toBe(`node/${NODE} uncordoned\n`);
    expect((await peapod(['rollout', 'status', 'deploy/hello', '--timeout=150s'])).code).toBe(0);
  });

  it('reports node usage', async () => {
    const top = await peapod(['top', 'nodes']);
    expect(top.code).toBe(0);
    expect(top.stdout.split('\n')[0]).toMatch(/^NAME +CPU\(cores\) +CPU\(%\) +MEMORY\(bytes\) +MEMORY\(%\)$/);
  });
});
