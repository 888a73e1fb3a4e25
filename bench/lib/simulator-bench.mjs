// The fleet-simulator scenario: a real hub process, hollow nodes over real MQTT (through a counting
// proxy), a rollout, API latencies, an idle window, and node losses (unclean and silent).
import { writeFileSync } from 'node:fs';
import { createApi, readyStatus } from './api.mjs';
import { startFleet } from './fleet.mjs';
import { cpuSeconds, diskWriteBytes, rssBytes, STORE_FLUSH_SECONDS, startHub } from './processes.mjs';
import { startCountingProxy } from './proxy.mjs';
import { percentile, sleep, until } from './stats.mjs';

const NS = 'bench';
const TOLERATION_SECONDS = 2;

function deployment(name, replicas) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, bench: 'sim' } },
        spec: {
          containers: [{ name: 'app', image: 'sim/app:1' }],
          tolerations: ['unreachable', 'not-ready'].map((t) => ({
            key: `node.kubernetes.io/${t}`,
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: TOLERATION_SECONDS,
          })),
        },
      },
    },
  };
}

/** A pod for a scheduler nobody runs: stays Pending, costs only the API and the store. */
function unscheduledPod(name) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { schedulerName: 'bench-unscheduled', containers: [{ name: 'app', image: 'sim/app:1' }] },
  };
}

/** Follows every pod through a watch: when it appeared, was bound, was first seen Running. */
function trackPods(api, resourceVersion) {
  const pods = new Map();
  const handle = api.watch('/api/v1/pods', resourceVersion, (type, pod, _perf) => {
    const at = Date.now();
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let p = pods.get(uid);
    if (!p) {
      p = { name: pod.metadata.name, namespace: pod.metadata.namespace, added: at };
      pods.set(uid, p);
    }
    if (pod.spec?.nodeName && !p.bound) {
      p.bound = at;
      p.node = pod.spec.nodeName;
    }
    if (pod.status?.phase === 'Running' && !p.running) p.running = at;
    if (pod.metadata.deletionTimestamp) p.deleting = true;
    if (type === 'DELETED') p.deleted = true;
  });
  return { pods, close: handle.close };
}

function trackNodes(api, resourceVersion) {
  const unknownAt = new Map();
  const handle = api.watch('/api/v1/nodes', resourceVersion, (_type, node) => {
    if (readyStatus(node) === 'Unknown' && !unknownAt.has(node.metadata.name))
      unknownAt.set(node.metadata.name, Date.now());
  });
  return { unknownAt, close: handle.close };
}

async function timed(times, fn) {
  const res = await fn();
  times.push(res.ms);
  return res;
}

/**
 * Bytes the hub writes when told to flush its coalesced writes (SIGUSR2): what its hourly flush
 * would write. Waits until /proc write_bytes has been still for half a second.
 */
async function flushedBytes(pid) {
  const before = diskWriteBytes(pid);
  process.kill(pid, 'SIGUSR2');
  let last = before;
  let stillSince = Date.now();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && Date.now() - stillSince < 500) {
    await sleep(100);
    const now = diskWriteBytes(pid);
    if (now !== last) {
      last = now;
      stillSince = Date.now();
    }
  }
  return last - before;
}

export async function runSimulatorScenario({ nodes: requested, podsPerNode, workers, idleSeconds, fillTo, log }) {
  let nodes = requested;
  const r = { nodes, pods: nodes * podsPerNode, idleSeconds };
  // `nodes` becomes the number that joined (some may give up under load).
  const hub = await startHub();
  const proxy = await startCountingProxy(hub.mqttPort);
  const api = createApi(hub);
  let fleet;
  const closers = [];
  try {
    log(`hub pid ${hub.pid}; starting ${nodes} hollow nodes in ${workers} worker(s)`);
    fleet = await startFleet({
      brokerUrl: `mqtts://127.0.0.1:${proxy.port}`,
      joinToken: hub.joinToken,
      nodes,
      workers,
      prefix: 'hollow',
    });
    const names = new Set(fleet.names);
    r.requestedNodes = nodes;
    r.joinFailures = fleet.failed.length;
    if (fleet.failed.length) log(`${fleet.failed.length} nodes gave up joining, e.g. ${fleet.failed[0].error}`);
    nodes = fleet.names.length;
    r.nodes = nodes;
    r.pods = nodes * podsPerNode;
    let ready = 0;
    await until(
      async () => {
        const { body } = await api.ok('GET', '/api/v1/nodes');
        ready = body.items.filter((n) => names.has(n.metadata.name) && readyStatus(n) === 'True').length;
        return ready === names.size;
      },
      300_000,
      'hollow nodes Ready',
      1000,
    ).catch((error) => {
      throw new Error(`${error.message}: ${ready} of ${names.size} started nodes Ready (${nodes} requested)`);
    });
    r.joinSeconds = fleet.joinMs / 1000;
    r.joinRetries = fleet.retries;
    log(`${nodes} nodes Ready after ${r.joinSeconds.toFixed(1)} s`);

    for (const name of [NS, 'bench-post'])
      await api.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const rv = (await api.ok('GET', '/api/v1/pods?limit=1')).body.metadata.resourceVersion;
    const tracker = trackPods(api, rv);
    closers.push(tracker.close);
    await sleep(300);

    // Rollout with a POST load beside it.
    const total = r.pods;
    const deployments = 10;
    const postTimes = [];
    let rolling = true;
    const postLoad = (async () => {
      for (let i = 0; rolling; i++) {
        await timed(postTimes, () => api.ok('POST', '/api/v1/namespaces/bench-post/pods', unscheduledPod(`load-${i}`)));
        await sleep(20);
      }
    })();
    const t0 = Date.now();
    for (let d = 0; d < deployments; d++)
      await api.ok(
        'POST',
        `/apis/apps/v1/namespaces/${NS}/deployments`,
        deployment(`sim-${d}`, Math.floor(total / deployments) + (d < total % deployments ? 1 : 0)),
      );
    const benchPods = () => [...tracker.pods.values()].filter((p) => p.namespace === NS);
    await until(
      () => benchPods().filter((p) => p.running && !p.deleting).length >= total,
      nodes >= 1000 ? 900_000 : 300_000,
      `${total} pods Running`,
      500,
    );
    rolling = false;
    await postLoad;
    const rollout = benchPods();
    const firstAdded = Math.min(...rollout.map((p) => p.added));
    const lastBound = Math.max(...rollout.map((p) => p.bound ?? 0));
    r.rolloutSeconds = (Date.now() - t0) / 1000;
    r.schedulingPodsPerSecond = rollout.length / Math.max(0.001, (lastBound - firstAdded) / 1000);
    const starts = rollout.filter((p) => p.running).map((p) => p.running - p.added);
    r.podStartP50 = percentile(starts, 50);
    r.podStartP99 = percentile(starts, 99);
    // Per-pod timestamps (ms since the first ADDED) for finding where a burst pod waits.
    if (process.env.PEAPOD_BENCH_POD_TIMES)
      writeFileSync(
        process.env.PEAPOD_BENCH_POD_TIMES,
        `# ${firstAdded}\n${rollout.map((p) => [p.name, p.node, p.added - firstAdded, (p.bound ?? 0) - firstAdded, (p.running ?? 0) - firstAdded].join(' ')).join('\n')}\n`,
      );
    r.postP50 = percentile(postTimes, 50);
    r.postP99 = percentile(postTimes, 99);
    r.postCount = postTimes.length;
    log(
      `rollout of ${total} pods: ${r.rolloutSeconds.toFixed(1)} s, ${r.schedulingPodsPerSecond.toFixed(0)} pods/s bound`,
    );

    // GET and LIST with the fleet connected and renewing leases.
    const getTimes = [];
    const sample = rollout.slice(0, 200);
    for (const p of sample) await timed(getTimes, () => api.ok('GET', `/api/v1/namespaces/${NS}/pods/${p.name}`));
    r.getP50 = percentile(getTimes, 50);
    r.getP99 = percentile(getTimes, 99);
    const listTimes = [];
    for (let i = 0; i < 10; i++) await timed(listTimes, () => api.ok('GET', `/api/v1/namespaces/${NS}/pods`));
    r.listCount = total;
    r.listP50 = percentile(listTimes, 50);
    r.listP99 = percentile(listTimes, 99);

    // Pod start one at a time (the SLO's view, no burst queue): a pod, wait Running, next.
    const singleStarts = [];
    for (let i = 0; i < 20; i++) {
      const name = `single-${i}`;
      await api.ok('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { bench: 'single' } },
        spec: { containers: [{ name: 'app', image: 'sim/app:1' }] },
      });
      const p = await until(
        () => [...tracker.pods.values()].find((q) => q.namespace === NS && q.name === name && q.running),
        60_000,
        `${name} Running`,
        10,
      );
      singleStarts.push(p.running - p.added);
    }
    r.singleStartP50 = percentile(singleStarts, 50);
    r.singleStartP99 = percentile(singleStarts, 99);
    r.singleStarts = singleStarts.length;

    // Idle window. A short window (quick mode) overlaps the silent loss: the victim stops its
    // leases as the window opens and the hub notices only after its grace period (≥ 40 s), after
    // the window; traffic is then divided by the nodes − 1 still beating.
    const nodeRv = (await api.ok('GET', '/api/v1/nodes?limit=1')).body.metadata.resourceVersion;
    const nodeTracker = trackNodes(api, nodeRv);
    closers.push(nodeTracker.close);
    const onNode = (n) => rollout.filter((p) => p.node === n && !p.deleting).length;
    const [unclean, silent] = [...names].filter((n) => onNode(n) > 0);
    const uncleanPods = onNode(unclean);
    const silentPods = onNode(silent);
    await sleep(5000);
    const silenceEarly = idleSeconds <= 30;
    let silencedAt = silenceEarly ? await fleet.silence(silent) : 0;
    const cpu0 = cpuSeconds(hub.pid);
    const disk0 = diskWriteBytes(hub.pid);
    const bytes0 = proxy.bytes();
    const w0 = Date.now();
    await sleep(idleSeconds * 1000);
    const seconds = (Date.now() - w0) / 1000;
    r.hubIdleCpuPercent = ((cpuSeconds(hub.pid) - cpu0) / seconds) * 100;
    r.hubIdleRss = rssBytes(hub.pid);
    r.hubDiskWindowBytesPerHour = ((diskWriteBytes(hub.pid) - disk0) / seconds) * 3600;
    // Coalesced node status reaches the disk once an hour: force that flush now and count it.
    r.hubFlushBytes = await flushedBytes(hub.pid);
    r.hubDiskBytesPerHour = r.hubDiskWindowBytesPerHour + r.hubFlushBytes * (3600 / STORE_FLUSH_SECONDS);
    r.mqttBytesPerNodeHour = ((proxy.bytes() - bytes0) / (nodes - (silenceEarly ? 1 : 0)) / seconds) * 3600;
    r.fleetRssPerNode = fleet.pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / nodes;
    log(
      `idle ${seconds.toFixed(0)} s: hub ${(r.hubIdleRss / 2 ** 20).toFixed(0)} MiB RSS, ${r.hubIdleCpuPercent.toFixed(1)} % CPU`,
    );

    // Node losses: one connection cut without DISCONNECT; the silent one runs since the idle window.
    if (!silenceEarly) silencedAt = await fleet.silence(silent);
    const killedAt = await fleet.kill(unclean);
    const replacedAt = (since, count, skip) =>
      until(
        () => {
          const times = benchPods()
            .filter((p) => p.added >= since && p.running)
            .map((p) => p.running)
            .sort((a, b) => a - b);
          return times.length >= skip + count ? times[skip + count - 1] : undefined;
        },
        180_000,
        'replacement pods Running',
        100,
      );
    const uncleanUnknown = await until(() => nodeTracker.unknownAt.get(unclean), 60_000, 'unclean loss detected', 50);
    r.uncleanDetectMs = uncleanUnknown - killedAt;
    r.uncleanReplacedMs = (await replacedAt(killedAt, uncleanPods, 0)) - killedAt;
    r.uncleanReplacedAfterTolerationMs = r.uncleanReplacedMs - r.uncleanDetectMs - TOLERATION_SECONDS * 1000;
    r.uncleanPods = uncleanPods;
    log(`unclean loss detected in ${r.uncleanDetectMs} ms, ${uncleanPods} pods replaced in ${r.uncleanReplacedMs} ms`);
    // Quick mode fills the store toward `fillTo` pods while the silent loss runs its course.
    let filling = Boolean(fillTo && fillTo > total);
    const fillTimes = [];
    const fill = (async () => {
      if (!filling) return;
      await api.ok('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'bench-fill' },
      });
      let next = 0;
      const missing = fillTo - total;
      const worker = async () => {
        while (filling && next < missing) {
          const i = next++;
          await timed(fillTimes, () =>
            api.ok('POST', '/api/v1/namespaces/bench-fill/pods', unscheduledPod(`fill-${i}`)),
          );
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
    })();
    const silentUnknown = await until(() => nodeTracker.unknownAt.get(silent), 180_000, 'silent loss detected', 200);
    r.silentDetectMs = silentUnknown - silencedAt;
    r.silentReplacedMs = (await replacedAt(silencedAt, silentPods, uncleanPods)) - silencedAt;
    r.silentPods = silentPods;
    log(`silent loss detected in ${(r.silentDetectMs / 1000).toFixed(1)} s`);

    filling = false;
    await fill;
    if (fillTimes.length) {
      r.fillPostP50 = percentile(fillTimes, 50);
      r.fillPostP99 = percentile(fillTimes, 99);
      r.fillPosts = fillTimes.length;
    }
    const bigList = [];
    let count = 0;
    for (let i = 0; i < 5; i++) count = (await timed(bigList, () => api.ok('GET', '/api/v1/pods'))).body.items.length;
    r.bigListCount = count;
    r.bigListP50 = percentile(bigList, 50);
    r.bigListP99 = percentile(bigList, 99);
    r.hubRssEnd = rssBytes(hub.pid);
    log(`LIST ${count} pods: p50 ${r.bigListP50.toFixed(0)} ms`);
    return r;
  } finally {
    for (const close of closers) close();
    await fleet?.stop().catch((e) => log(`fleet stop: ${e.message}`));
    await proxy.close();
    api.close();
    await hub.cleanup();
  }
}
