/**
 * End to end with real processes: losing a device and tainting nodes. `peapod hub` + three
 * `peapod agent`s (real podman); an agent is SIGKILLed and restarted on its data dir; taints are set
 * with `peapod taint`. Needs `npx tsc -b`, podman and the offline test images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman, TEST_IMAGES } from '../agent/test/helpers/podman.js';
import { type Cluster, readyStatus, startCluster, until } from './helpers/cluster.js';
import { listPods, type PodView, serving } from './helpers/objects.js';

let c: Cluster;

beforeAll(async () => {
  c = await startCluster({ agentCount: 3, prefix: 'e2en' });
}, 120_000);

afterAll(async () => {
  await c?.cleanup();
}, 120_000);

/** A deployment of sleepers that leave quickly (grace 1 s) and tolerate an unreachable node for 5 s. */
function sleepers(name: string, replicas: number, extraTolerations: object[] = []): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          tolerations: [
            { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
            ...extraTolerations,
          ],
          containers: [{ name: 'main', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }],
        },
      },
    },
  });
}

/** Containers podman runs for a pod on a node (by the agent's labels). */
async function containersOf(node: string, pod: string): Promise<string[]> {
  const r = await podman([
    'ps',
    '-aq',
    '--filter',
    `label=io.peapod.node=${node}`,
    '--filter',
    `label=io.peapod.pod.name=${pod}`,
  ]);
  return r.stdout.split('\n').filter(Boolean);
}

const byNode = (pods: PodView[]) => {
  const counts = new Map<string, number>();
  for (const p of pods) counts.set(p.node ?? '', (counts.get(p.node ?? '') ?? 0) + 1);
  return counts;
};

describe('node loss and taints', { timeout: 240_000 }, () => {
  it('scaling down while a device is away removes its pods first and keeps the healthy ones', async () => {
    const manifest = JSON.parse(sleepers('away', 4));
    manifest.spec.template.spec.tolerations = []; // the default 300 s: nothing is replaced meanwhile
    expect((await c.peapod(['apply', '-f', '-'], JSON.stringify(manifest))).stdout).toBe(
      'deployment.apps/away created\n',
    );
    expect((await c.peapod(['rollout', 'status', 'deployment/away', '--timeout=60s'])).code).toBe(0);
    const initial = (await listPods(c, 'app=away')).filter(serving);
    const counts = byNode(initial);
    const victim = c.agents.reduce((a, b) => ((counts.get(b.name) ?? 0) > (counts.get(a.name) ?? 0) ? b : a));
    const away = initial.filter((p) => p.node === victim.name);
    const healthy = initial.filter((p) => p.node !== victim.name);

    await victim.kill9();
    await until(
      'the node unreachable',
      async () => readyStatus(await c.get(`/api/v1/nodes/${victim.name}`)) === 'Unknown',
    );
    const scale = await c.peapod(['scale', 'deployment', 'away', `--replicas=${healthy.length}`]);
    expect(scale.stdout).toBe('deployment.apps/away scaled\n');
    await until('the away pods chosen for deletion', async () => {
      const pods = await listPods(c, 'app=away');
      return away.every((a) => pods.find((p) => p.name === a.name)?.terminating);
    });
    const live = (await listPods(c, 'app=away')).filter((p) => !p.terminating);
    expect(new Map(live.map((p) => [p.name, p.containerIDs.join()]))).toEqual(
      new Map(healthy.map((p) => [p.name, p.containerIDs.join()])),
    );

    // Back online, the device stops them and the hub forgets them.
    await victim.restart();
    await until(
      'the away pods gone',
      async () => {
        const pods = await listPods(c, 'app=away');
        if (pods.length !== healthy.length || pods.some((p) => p.terminating)) return false;
        for (const p of away) if ((await containersOf(victim.name, p.name)).length > 0) return false;
        return true;
      },
      60_000,
    );
    expect((await c.peapod(['delete', 'deployment', 'away'])).code).toBe(0);
  });

  it('replaces the pods of a killed device elsewhere and removes only the surplus when it returns', async () => {
    const applied = await c.peapod(['apply', '-f', '-'], sleepers('nl', 4));
    expect(applied.stdout).toBe('deployment.apps/nl created\n');
    expect((await c.peapod(['rollout', 'status', 'deployment/nl', '--timeout=60s'])).code).toBe(0);
    const initial = (await listPods(c, 'app=nl')).filter(serving);
    expect(initial).toHaveLength(4);

    // The device with the most pods loses power.
    const counts = byNode(initial);
    const victim = c.agents.reduce((a, b) => ((counts.get(b.name) ?? 0) > (counts.get(a.name) ?? 0) ? b : a));
    const lost = initial.filter((p) => p.node === victim.name);
    expect(lost.length).toBeGreaterThan(0);
    await victim.kill9();
    await until(
      'the node NotReady',
      async () => readyStatus(await c.get(`/api/v1/nodes/${victim.name}`)) === 'Unknown',
    );
    const row = await c.peapod(['get', 'node', victim.name, '--no-headers']);
    expect(row.stdout).toMatch(new RegExp(`^${victim.name} +NotReady `));

    // After the 5 s toleration its pods are evicted and replaced on the other nodes.
    const replaced = await until(
      'replacements on the remaining nodes',
      async () => {
        const live = (await listPods(c, 'app=nl')).filter((p) => !p.terminating);
        return live.length === 4 && live.every((p) => serving(p) && p.node !== victim.name) && live;
      },
      60_000,
    );
    const evicted = (await listPods(c, 'app=nl')).filter((p) => p.terminating);
    expect(evicted.map((p) => p.name).sort()).toEqual(lost.map((p) => p.name).sort());
    const before = new Map(replaced.map((p) => [p.name, p.containerIDs.join()]));

    // The device comes back: it stops the evicted pods and the hub forgets them; nothing else moves.
    await victim.restart();
    await until(
      'the node Ready again',
      async () => readyStatus(await c.get(`/api/v1/nodes/${victim.name}`)) === 'True',
    );
    await until(
      'the evicted pods gone',
      async () => {
        const all = await listPods(c, 'app=nl');
        if (all.some((p) => p.terminating)) return false;
        for (const p of lost) if ((await containersOf(victim.name, p.name)).length > 0) return false;
        return true;
      },
      60_000,
    );
    const after = await listPods(c, 'app=nl');
    expect(after.every(serving)).toBe(true);
    expect(new Map(after.map((p) => [p.name, p.containerIDs.join()]))).toEqual(before);
    const d = await c.get('/apis/apps/v1/namespaces/default/deployments/nl');
    expect(d.status.availableReplicas).toBe(4);
  });

  it('keeps new pods off a NoSchedule node and moves intolerant pods off a NoExecute node', async () => {
    const pods = (await listPods(c, 'app=nl')).filter(serving);
    const counts = byNode(pods);
    const x = c.agents.find((a) => (counts.get(a.name) ?? 0) > 0)!.name;

    const tainted = await c.peapod(['taint', 'node', x, 'e2e=v:NoSchedule']);
    expect(tainted).toEqual({ code: 0, stdout: `node/${x} tainted\n`, stderr: '' });
    const k = await c.kubectl(['get', 'node', x, '-o', 'jsonpath={.spec.taints[?(@.key=="e2e")].effect}']);
    expect(k.stdout).toBe('NoSchedule');

    // New pods avoid x; those already there stay.
    expect((await c.peapod(['scale', 'deployment', 'nl', '--replicas=8'])).code).toBe(0);
    expect((await c.peapod(['rollout', 'status', 'deployment/nl', '--timeout=60s'])).code).toBe(0);
    const scaled = (await listPods(c, 'app=nl')).filter(serving);
    expect(scaled).toHaveLength(8);
    const onX = scaled.filter((p) => p.node === x).map((p) => p.name);
    expect(onX.sort()).toEqual(
      pods
        .filter((p) => p.node === x)
        .map((p) => p.name)
        .sort(),
    );

    // A pod that tolerates the taint, placed on x before NoExecute.
    const keeper = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'keeper', labels: { app: 'keeper' } },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': x },
        terminationGracePeriodSeconds: 1,
        tolerations: [{ key: 'e2e', operator: 'Exists' }],
        containers: [{ name: 'main', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }],
      },
    });
    expect((await c.kubectl(['apply', '-f', '-'], keeper)).stdout).toBe('pod/keeper created\n');
    await until('keeper Running on the tainted node', async () => {
      const [p] = await listPods(c, 'app=keeper');
      return p && serving(p) && p.node === x;
    });

    expect((await c.peapod(['taint', 'node', x, 'e2e=v:NoExecute'])).stdout).toBe(`node/${x} tainted\n`);
    await until(
      'the intolerant pods off the tainted node, replaced elsewhere',
      async () => {
        const all = await listPods(c, 'app=nl');
        const live = all.filter((p) => !p.terminating);
        return (
          all.every((p) => p.node !== x) && live.length === 8 && live.every(serving) && live.every((p) => p.node !== x)
        );
      },
      60_000,
    );
    const [keeperNow] = await listPods(c, 'app=keeper');
    expect(serving(keeperNow) && keeperNow.node === x).toBe(true);
    expect(keeperNow.restarts).toBe(0);

    const untainted = await c.peapod(['taint', 'node', x, 'e2e-']);
    expect(untainted.stdout).toBe(`node/${x} untainted\n`);
    expect((await c.kubectl(['get', 'node', x, '-o', 'jsonpath={.spec.taints}'])).stdout).toBe('');
  });

  it('survives a hub crash: agents reconnect, pods keep running untouched, the API keeps working', async () => {
    const before = await listPods(c, 'app in (nl,keeper)');
    expect(before.length).toBe(9);
    expect(before.every(serving)).toBe(true);

    await c.hub.kill9();
    // The devices keep running their pods while the hub is gone.
    const [sample] = before;
    const running = await podman(['inspect', '--format', '{{.State.Running}}', sample.containerIDs[0].split('://')[1]]);
    expect(running.stdout.trim()).toBe('true');

    await c.hub.restart();
    await until(
      'every node Ready after the hub restart',
      async () => {
        for (const a of c.agents) if (readyStatus(await c.get(`/api/v1/nodes/${a.name}`)) !== 'True') return false;
        return true;
      },
      60_000,
    );
    const after = await listPods(c, 'app in (nl,keeper)');
    expect(after.every(serving)).toBe(true);
    expect(new Map(after.map((p) => [p.name, `${p.node} ${p.containerIDs.join()}`]))).toEqual(
      new Map(before.map((p) => [p.name, `${p.node} ${p.containerIDs.join()}`])),
    );

    // Controllers and agents act on new writes.
    expect((await c.peapod(['scale', 'deployment', 'nl', '--replicas=3'])).stdout).toBe('deployment.apps/nl scaled\n');
    await until('nl down to 3 pods', async () => {
      const pods = await listPods(c, 'app=nl');
      return pods.length === 3 && pods.every(serving);
    });
  });

  it('drains a node: its pods move to the others, it stays unschedulable until uncordoned', async () => {
    expect((await c.peapod(['delete', 'pod', 'keeper'])).stdout).toBe('pod "keeper" deleted\n');
    const pods = (await listPods(c, 'app=nl')).filter(serving);
    const counts = byNode(pods);
    const x = c.agents.reduce((a, b) => ((counts.get(b.name) ?? 0) > (counts.get(a.name) ?? 0) ? b : a)).name;
    const moving = pods.filter((p) => p.node === x).map((p) => p.name);

    const drain = await c.peapod(['drain', x, '--ignore-daemonsets', '--timeout=90s']);
    expect(drain.code).toBe(0);
    expect(drain.stdout).toMatch(new RegExp(`^node/${x} cordoned\\n`));
    for (const name of moving) expect(drain.stdout).toContain(`pod/${name} evicted\n`);
    expect(drain.stdout.trim().split('\n').pop()).toBe(`node/${x} drained`);
    const row = await c.kubectl(['get', 'node', x, '--no-headers']);
    expect(row.stdout).toMatch(new RegExp(`^${x} +Ready,SchedulingDisabled `));
    await until('nl back to 3 pods off the drained node', async () => {
      const live = (await listPods(c, 'app=nl')).filter((p) => !p.terminating);
      return live.length === 3 && live.every((p) => serving(p) && p.node !== x);
    });

    expect((await c.peapod(['uncordon', x])).stdout).toBe(`node/${x} uncordoned\n`);
    const again = await c.kubectl(['get', 'node', x, '--no-headers']);
    expect(again.stdout).toMatch(new RegExp(`^${x} +Ready +`));
  });

  it('deleting a deployment removes its replica sets, pods and containers on every device', async () => {
    const pods = await listPods(c, 'app=nl');
    expect(pods.length).toBeGreaterThan(0);
    expect((await c.kubectl(['delete', 'deployment', 'nl'])).stdout).toBe('deployment.apps "nl" deleted\n');
    await until(
      'nl pods and containers gone',
      async () => {
        const rs = await c.get('/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dnl');
        if (rs.items.length > 0 || (await listPods(c, 'app=nl')).length > 0) return false;
        for (const p of pods) if ((await containersOf(p.node!, p.name)).length > 0) return false;
        return true;
      },
      60_000,
    );
    const left = await c.peapod(['get', 'pods', '-l', 'app=nl']);
    expect(left.stderr).toBe('No resources found in default namespace.\n');
  });
});
