// Real podman, side by side: a pod by hand (`podman pod create` + `podman run`) versus
// `peapod apply` → Running through a real hub and agent; agent RSS; agent cold start with the hub
// down (offline cache); CLI cold start. Every container carries a label of this run and is removed.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { measureCliColdStart } from '../cli-cold-start.mjs';
import { createApi, readyStatus } from './api.mjs';
import {
  CONTAINERS_CONF,
  cpuSeconds,
  killChild,
  PEAPOD,
  rssBytes,
  startAgentProcess,
  startHub,
  stopChild,
  tempDir,
} from './processes.mjs';
import { sleep, until } from './stats.mjs';

const run = promisify(execFile);
const IMAGE = 'localhost/edge-test/httpd:1';
const podmanEnv = { ...process.env, CONTAINERS_CONF };

/**
 * VmRSS is private memory (RssAnon: the V8 heap, malloc) plus file pages mapped from disk (RssFile:
 * mostly the node binary's code, shared with every node process and reclaimable), in bytes.
 */
function rssSplit(pid) {
  const field = (name) =>
    Number(
      readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`))
        ?.split(/\s+/)[1] ?? 0,
    ) * 1024;
  return { anon: field('RssAnon'), file: field('RssFile') };
}

const podman = async (args) => (await run('podman', args, { env: podmanEnv })).stdout.trim();

async function removePodsLabelled(label) {
  const ids = (await podman(['pod', 'ps', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (ids.length) await podman(['pod', 'rm', '-f', '-t', '0', ...ids]).catch(() => undefined);
  const cids = (await podman(['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (cids.length) await podman(['rm', '-f', '-t', '0', ...cids]).catch(() => undefined);
}

async function bareRuntime(runId, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const name = `peapod-bench-bare-${runId}-${i}`;
    const t0 = performance.now();
    await podman(['pod', 'create', '--name', name, '--label', `peapod-bench=${runId}`]);
    await podman([
      'run',
      '-d',
      '--pull=never',
      '--pod',
      name,
      '--name',
      `${name}-app`,
      '--label',
      `peapod-bench=${runId}`,
      IMAGE,
    ]);
    times.push(performance.now() - t0);
    await podman(['pod', 'rm', '-f', '-t', '0', name]);
  }
  return times;
}

function podYaml(name, nodeName) {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  nodeSelector:
    kubernetes.io/hostname: ${nodeName}
  containers:
  - name: app
    image: ${IMAGE}
    imagePullPolicy: Never
`;
}

export async function runPodmanBench({ runs, log }) {
  const r = {};
  const runId = randomBytes(3).toString('hex');
  const nodeName = `bench-real-${runId}`;
  const nodeLabel = `io.peapod.node=${nodeName}`;
  const work = tempDir('peapod-bench-real-');
  let hub;
  let agent;
  let api;
  let watchHandle;
  try {
    log('podman: bare pod create + run');
    r.bare = await bareRuntime(runId, runs);

    hub = await startHub();
    api = createApi(hub);
    agent = startAgentProcess({ hub, nodeName, dataDir: join(work, 'agent') });
    await until(
      async () => readyStatus((await api.call('GET', `/api/v1/nodes/${nodeName}`)).body) === 'True',
      90_000,
      'the real agent Ready',
      500,
    );
    await sleep(10_000);
    r.agentRssIdle = rssBytes(agent.pid);
    r.agentRssIdleSplit = rssSplit(agent.pid);
    r.agentCpuIdle = cpuSeconds(agent.pid);

    const running = new Map();
    const bound = new Map();
    const rv = (await api.ok('GET', '/api/v1/pods?limit=1')).body.metadata.resourceVersion;
    watchHandle = api.watch('/api/v1/namespaces/default/pods', rv, (type, pod) => {
      const name = pod.metadata.name;
      if (pod.spec?.nodeName && !bound.has(name)) bound.set(name, performance.now());
      if (type === 'DELETED') running.set(name, 'gone');
      else if (pod.status?.phase === 'Running' && !running.has(name)) running.set(name, performance.now());
    });
    log('podman: peapod apply → Running');
    r.peapod = [];
    // Where the time goes (for the explanation next to the ratio): the `peapod apply` process
    // (node start, TLS, POST), then the hub until the pod is bound on the watch, then the agent
    // (MQTT, podman) and the status back until Running is seen.
    r.peapodPhases = [];
    for (let i = 0; i < runs; i++) {
      const name = `bench-apply-${i}`;
      const file = join(work, `${name}.yaml`);
      writeFileSync(file, podYaml(name, nodeName));
      const t0 = performance.now();
      await run(process.execPath, [PEAPOD, 'apply', '-f', file], {
        env: { ...process.env, KUBECONFIG: hub.kubeconfig },
      });
      const applied = performance.now();
      const at = await until(
        () => typeof running.get(name) === 'number' && running.get(name),
        60_000,
        `${name} Running`,
        20,
      );
      r.peapod.push(at - t0);
      const boundAt = bound.get(name) ?? at;
      r.peapodPhases.push({ cli: applied - t0, boundAfterStart: boundAt - t0, boundToRunning: at - boundAt });
      await api.ok('DELETE', `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=1`);
      await until(() => running.get(name) === 'gone', 60_000, `${name} deleted`, 100);
    }

    log('podman: 10 pods on the real agent');
    await api.ok('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench-ten' },
      spec: {
        replicas: 10,
        selector: { matchLabels: { app: 'bench-ten' } },
        template: {
          metadata: { labels: { app: 'bench-ten' } },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': nodeName },
            containers: [{ name: 'app', image: IMAGE, imagePullPolicy: 'Never' }],
          },
        },
      },
    });
    await until(
      async () =>
        (await api.ok('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dbench-ten')).body.items.filter(
          (p) => p.status?.phase === 'Running',
        ).length === 10,
      180_000,
      '10 pods Running',
      1000,
    );
    await sleep(10_000);
    r.agentRssTenPods = rssBytes(agent.pid);
    r.agentRssTenPodsSplit = rssSplit(agent.pid);
    r.agentCpuTenPods = cpuSeconds(agent.pid);
    log(`podman: agent CPU ${r.agentCpuIdle.toFixed(2)} s at idle, ${r.agentCpuTenPods.toFixed(2)} s after 10 pods`);

    log('cli: cold start');
    r.cli = measureCliColdStart({ runs: Math.max(3, runs), kubeconfig: hub.kubeconfig });

    log('podman: agent cold start with the hub down');
    watchHandle.close();
    watchHandle = undefined;
    await killChild(hub.child);
    await stopChild(agent);
    const appFilter = ['--filter', `label=${nodeLabel}`, '--filter', 'label=io.peapod.container.kind=app'];
    // A device reboot: every container of the node stops.
    const podIds = (await podman(['pod', 'ps', '-q', '--filter', `label=${nodeLabel}`])).split('\n').filter(Boolean);
    if (podIds.length) await podman(['pod', 'stop', '-t', '0', ...podIds]);
    const t0 = performance.now();
    agent = startAgentProcess({ hub, nodeName, dataDir: join(work, 'agent') });
    try {
      await until(
        async () =>
          (await podman(['ps', '-q', ...appFilter, '--filter', 'status=running'])).split('\n').filter(Boolean).length >=
          10,
        90_000,
        '10 containers running again with the hub down',
        100,
      );
      r.offlineColdStartMs = performance.now() - t0;
    } catch (error) {
      r.offlineColdStartError = `${error.message}; agent log: ${agent.stderrTail().slice(-300)}`;
    }
    return r;
  } finally {
    watchHandle?.close();
    api?.close();
    await stopChild(agent);
    await hub?.cleanup();
    await removePodsLabelled(nodeLabel).catch(() => undefined);
    await removePodsLabelled(`peapod-bench=${runId}`).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
