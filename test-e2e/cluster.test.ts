/**
 * End to end with real processes: `peapod hub` + three `peapod agent`s (real podman), driven with the
 * real `peapod` CLI and the real `kubectl` through the hub's generated kubeconfig. Covers the cluster
 * coming up, the deployment walkthrough (create, scale, set image, rolling update, history, undo),
 * pods (liveness restarts, run-to-completion, logs, exec) and `expose` with its Endpoints.
 * Needs `npx tsc -b`, podman and the offline test images (ci/setup-podman.sh).
 */
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { memoryToBytes } from '@peapod/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman, TEST_IMAGES } from '../agent/test/helpers/podman.js';
import { maskAges } from '../cli/test/helpers.js';
import { watch } from '../hub/test/helpers/api-client.js';
import { type Cluster, startCluster, until } from './helpers/cluster.js';
import { deployment, listPods, serving } from './helpers/objects.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
let c: Cluster;
/** A second image for the rolling update: httpd:1 re-tagged under a name unique to this run. */
let v2: string;

beforeAll(async () => {
  c = await startCluster({ agentCount: 3 });
  v2 = `localhost/edge-test/httpd:${c.runId}`;
  const tag = await podman(['tag', TEST_IMAGES.httpd, v2]);
  expect(tag.exitCode).toBe(0);
  // The liveness example needs ~45 s to fail its probe: start it now, check it at the end.
  const r = await c.peapod(['apply', '-f', `${EXAMPLES}liveness-exec.yaml`]);
  expect(r.stdout).toBe('pod/liveness-exec created\n');
}, 120_000);

afterAll(async () => {
  await c?.cleanup();
  // `untag IMAGE NAME`: with no NAME podman would strip every name, httpd:1 included.
  if (v2) await podman(['untag', v2, v2]);
}, 120_000);

/** GET / over plain HTTP, the body trimmed. */
async function httpGet(host: string, port: number): Promise<string> {
  const res = await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(3_000) });
  return (await res.text()).trim();
}

/**
 * Same arguments through peapod and kubectl (run side by side): same exit code, same output apart
 * from ages — and the padding an age of another width causes (`9s` vs `10s`).
 */
async function same(args: string[]) {
  const [a, b] = await Promise.all([c.peapod(args), c.kubectl(args)]);
  const norm = (text: string) => maskAges(text).replace(/ {2,}/g, '  ');
  expect({ code: a.code, stdout: norm(a.stdout), stderr: a.stderr }).toEqual({
    code: b.code,
    stdout: norm(b.stdout),
    stderr: b.stderr,
  });
  return a;
}

describe('a hub and three agents', { timeout: 240_000 }, () => {
  it('come up: nodes Ready with real capacity and their profile, same columns in peapod and kubectl', async () => {
    const wide = await same(['get', 'nodes', '-o', 'wide']);
    expect(wide.code).toBe(0);
    expect(wide.stdout.split('\n')[0]).toMatch(
      /^NAME +STATUS +ROLES +AGE +VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME/,
    );
    for (const a of c.agents) {
      expect(wide.stdout).toMatch(
        new RegExp(
          `^${a.name} +Ready +<none> +\\S+ +\\S+ +${a.nodeIP.replaceAll('.', '\\.')} +<none> .* podman://`,
          'm',
        ),
      );
      const node = await c.get(`/api/v1/nodes/${a.name}`);
      expect(Number(node.status.capacity.cpu)).toBe(cpus().length);
      const memory = memoryToBytes(node.status.capacity.memory);
      expect(memory).toBeGreaterThan(totalmem() * 0.9);
      expect(memory).toBeLessThanOrEqual(totalmem() * 1.01);
      expect(Number(node.status.capacity.pods)).toBeGreaterThan(0);
      expect(node.metadata.labels['peapod.io/profile']).toMatch(/^\S+$/);
    }
    const profiles = await same(['get', 'nodes', '-L', 'peapod.io/profile']);
    expect(profiles.stdout.split('\n')[0]).toMatch(/ PROFILE$/);

    // The hub's Prometheus endpoint, read the way an admin would try it first.
    const metrics = await c.kubectl(['get', '--raw', '/metrics']);
    expect(metrics.code).toBe(0);
    expect(metrics.stdout).toContain(`\npeapod_nodes{ready="True"} ${c.agents.length}\n`);
    expect(metrics.stdout).toContain(`\npeapod_mqtt_connected_clients ${c.agents.length}\n`);
    expect(metrics.stdout).toMatch(/^peapod_mqtt_messages_received_total\{kind="node-status"\} [1-9]\d*$/m);
  });

  it('walks a deployment through create, scale, set image, rolling update, history and undo', async () => {
    const created = await c.peapod(['create', 'deployment', 'web', `--image=${TEST_IMAGES.httpd}`, '--replicas=1']);
    expect(created).toEqual({ code: 0, stdout: 'deployment.apps/web created\n', stderr: '' });
    expect((await c.peapod(['rollout', 'status', 'deployment/web', '--timeout=50s'])).code).toBe(0);

    // 1 → 5: spread over the nodes, all Running.
    expect((await c.peapod(['scale', 'deployment', 'web', '--replicas=5'])).stdout).toBe(
      'deployment.apps/web scaled\n',
    );
    const status5 = await c.peapod(['rollout', 'status', 'deployment/web', '--timeout=50s']);
    expect(status5.stdout.trim().split('\n').pop()).toBe('deployment "web" successfully rolled out');
    const five = (await listPods(c, 'app=web')).filter((p) => !p.terminating);
    expect(five).toHaveLength(5);
    expect(five.every(serving)).toBe(true);
    expect(new Set(five.map((p) => p.node))).toEqual(new Set(c.agents.map((a) => a.name)));
    const table = await same(['get', 'pods', '-l', 'app=web', '-o', 'wide']);
    expect(table.stdout.match(/ 1\/1 +Running +0 /g)).toHaveLength(5);
    const listing = await same(['get', 'deployments,replicasets', '-o', 'wide']);
    expect(listing.stdout).toMatch(/^deployment\.apps\/web +5\/5 +5 +5 +/m);

    // 5 → 2.
    expect((await c.peapod(['scale', 'deployment', 'web', '--replicas=2'])).stdout).toBe(
      'deployment.apps/web scaled\n',
    );
    await until('two web pods left', async () => {
      const pods = (await listPods(c, 'app=web')).filter((p) => !p.terminating);
      return pods.length === 2 && pods.every(serving);
    });

    // set image: a rolling update sampled through a watch; with 2 replicas, maxSurge 25% (→ 1) and
    // maxUnavailable 25% (→ 0), availability never drops below 2.
    const samples: number[] = [];
    const before = (await deployment(c, 'web')).metadata.generation;
    const w = await watch(
      c.hub,
      '/apis/apps/v1/namespaces/default/deployments?watch=true&fieldSelector=metadata.name=web',
    );
    try {
      const set = await c.peapod(['set', 'image', 'deployment/web', `httpd=${v2}`]);
      expect(set.stdout).toBe('deployment.apps/web image updated\n');
      const status = await c.peapod(['rollout', 'status', 'deployment/web', '--timeout=90s']);
      expect(status.code).toBe(0);
      expect(status.stdout.trim().split('\n').pop()).toBe('deployment "web" successfully rolled out');
      await w.next((e) => e.object.status?.updatedReplicas === 2 && e.object.status?.availableReplicas === 2);
      for (const e of w.events)
        if (e.object.metadata.generation > before) samples.push(e.object.status?.availableReplicas ?? 0);
    } finally {
      w.close();
    }
    expect(samples.length).toBeGreaterThan(1);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2);
    const kubectlStatus = await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(kubectlStatus.stdout.trim().split('\n').pop()).toBe('deployment "web" successfully rolled out');
    const pods = (await listPods(c, 'app=web')).filter((p) => !p.terminating);
    expect(pods).toHaveLength(2);

    const history = await same(['rollout', 'history', 'deployment/web']);
    expect(history.stdout).toBe('deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');

    // Back to revision 1: v1 again, as revision 3.
    const undo = await c.peapod(['rollout', 'undo', 'deployment/web', '--to-revision=1']);
    expect(undo).toEqual({ code: 0, stdout: 'deployment.apps/web rolled back\n', stderr: '' });
    expect((await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s'])).code).toBe(0);
    const image = await c.kubectl([
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    expect(image.stdout).toBe(TEST_IMAGES.httpd);
    const after = await same(['rollout', 'history', 'deployment/web']);
    expect(after.stdout).toBe('deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    await until('web back on v1', async () => {
      const d = await deployment(c, 'web');
      const running = (await listPods(c, 'app=web')).filter((p) => !p.terminating);
      return d.status?.updatedReplicas === 2 && d.status?.availableReplicas === 2 && running.length === 2;
    });
  });

  it('exposes the deployment on a NodePort: Endpoints list the ready pods, every node answers from them', async () => {
    const exposed = await c.peapod([
      'expose',
      'deployment',
      'web',
      '--port=80',
      '--target-port=8080',
      '--type=NodePort',
    ]);
    expect(exposed).toEqual({ code: 0, stdout: 'service/web exposed\n', stderr: '' });
    const svc = await same(['get', 'svc', 'web']);
    const nodePort = Number(/^web +NodePort +10\.43\.\S+ +<none> +80:(3\d{4})\/TCP +/m.exec(svc.stdout)?.[1]);
    expect(nodePort).toBeGreaterThanOrEqual(30000);

    const pods = (await listPods(c, 'app=web')).filter(serving);
    expect(pods).toHaveLength(2);
    const wanted = pods.map((p) => `${p.ip}:8080`).sort();
    await until('Endpoints with both pods', async () => {
      const ep = await c.get('/api/v1/namespaces/default/endpoints/web');
      const ready = (ep.subsets ?? []).flatMap((sub: { addresses?: { ip: string }[]; ports?: { port: number }[] }) =>
        (sub.addresses ?? []).flatMap((a) => (sub.ports ?? []).map((port) => `${a.ip}:${port.port}`)),
      );
      return ready.sort().join() === wanted.join();
    });
    const ep = await c.peapod(['get', 'ep', 'web', '--no-headers']);
    expect(/^web +(\S+) +/.exec(ep.stdout)?.[1].split(',').sort()).toEqual(wanted);
    await same(['get', 'endpoints', 'web']);

    // Each pod serves its own name; any node's NodePort reaches both.
    for (const p of pods) {
      const w = await c.peapod(['exec', p.name, '--', 'sh', '-c', 'hostname > /www/index.html']);
      expect(w.code).toBe(0);
    }
    for (const a of c.agents) {
      const seen = await until(
        `both pods through ${a.name}:${nodePort}`,
        async () => {
          const bodies = new Set<string>();
          for (let i = 0; i < 6; i++) bodies.add(await httpGet(a.nodeIP, nodePort));
          return bodies.size === 2 && bodies;
        },
        60_000,
      );
      expect([...seen].sort()).toEqual(pods.map((p) => p.name).sort());
    }
  });

  it('leaves a pod that fits nowhere Pending with a FailedScheduling event counting the reasons', async () => {
    const big = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'big' },
      spec: {
        containers: [{ name: 'main', image: TEST_IMAGES.busybox, resources: { requests: { memory: '100Ti' } } }],
      },
    });
    expect((await c.peapod(['apply', '-f', '-'], big)).stdout).toBe('pod/big created\n');
    const n = c.agents.length;
    await until('FailedScheduling for big', async () => {
      const events = await c.get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dbig');
      return events.items.some((e: { reason: string }) => e.reason === 'FailedScheduling');
    });
    const listed = await c.kubectl([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=big,reason=FailedScheduling',
    ]);
    const event = listed.stdout;
    expect(event).toContain(`0/${n} nodes are available: ${n} Insufficient memory.`);
    const row = await same(['get', 'pod', 'big', '--no-headers']);
    expect(row.stdout).toMatch(/^big +0\/1 +Pending +0 +/);
    const pod = await c.get('/api/v1/namespaces/default/pods/big');
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
    );
    expect((await c.peapod(['delete', 'pod', 'big'])).code).toBe(0);
  });

  it('runs a pod to completion and serves its logs through the hub relay', async () => {
    const r = await c.peapod(['apply', '-f', `${EXAMPLES}job-like-pod.yaml`]);
    expect(r.stdout).toBe('pod/countdown created\n');
    await until('countdown Succeeded', async () => {
      const pod = await c.get('/api/v1/namespaces/default/pods/countdown');
      return pod.status?.phase === 'Succeeded';
    });
    const row = await c.peapod(['get', 'pod', 'countdown', '--no-headers']);
    expect(row.stdout).toMatch(/^countdown +0\/1 +Completed +0 /);
    await same(['get', 'pod', 'countdown']);
    const logs = await same(['logs', 'countdown']);
    expect(logs.stdout).toBe('5\n4\n3\n2\n1\nliftoff\n');
  });

  it('runs commands in pods through the hub relay', async () => {
    const [pod] = (await listPods(c, 'app=web')).filter(serving);
    const hi = await same(['exec', pod.name, '--', 'echo', 'hi']);
    expect(hi).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    const where = await c.peapod(['exec', pod.name, '--', 'hostname']);
    expect(where.stdout).toBe(`${pod.name}\n`);
  });

  it('restarts a container whose liveness probe fails', async () => {
    const restarted = await until(
      'liveness-exec restarted',
      async () => {
        const [p] = await listPods(c, 'test=liveness');
        return p && p.restarts >= 1 && p;
      },
      120_000,
      1_000,
    );
    expect(restarted.name).toBe('liveness-exec');
    const row = await c.peapod(['get', 'pod', 'liveness-exec', '--no-headers']);
    expect(row.stdout).toMatch(/^liveness-exec +[01]\/1 +\S+ +[1-9]\d* \(\S+ ago\) +/);
    // The agent's kubelet events reach the hub: describe shows why it restarted, as on a cluster.
    let lastDescribe = '';
    const described = await until(
      'kubelet events in describe',
      async () => {
        const d = await c.kubectl(['describe', 'pod', 'liveness-exec']);
        lastDescribe = d.stdout + d.stderr;
        return /Warning +Unhealthy +.+ +kubelet +Liveness probe failed/.test(d.stdout) && d.stdout;
      },
      30_000,
    ).catch((e) => {
      throw new Error(`${e.message}\n${lastDescribe}`);
    });
    expect(described).toMatch(/Normal +Started +.+ +kubelet +Started container liveness/);
    expect(described).toMatch(
      /Normal +Killing +.+ +kubelet +Container liveness failed liveness probe, will be restarted/,
    );
  });
});
