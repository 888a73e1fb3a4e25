// Turns benchmark results into the table of bench/RESULTS.md: metric, value, target, verdict.
import { STORE_FLUSH_SECONDS } from './processes.mjs';
import { ms, percentile } from './stats.mjs';

const MiB = 1024 * 1024;
/** An idle agent posts its node status every 300 s (docs/agent.md). */
const NODE_STATUS_SECONDS = 300;
const fmtMiB = (b) => `${(b / MiB).toFixed(1)} MiB`;
const fmtS = (msec) => `${(msec / 1000).toFixed(1)} s`;
const verdict = (ok) => (ok === undefined ? '' : ok ? 'meets' : 'misses');

function row(metric, value, target = '—', ok = undefined) {
  return { metric, value, target, verdict: verdict(ok) };
}

export function simulatorRows(s) {
  const tag = `${s.nodes.toLocaleString('en-US')} nodes`;
  const rows = [
    row(
      `Hollow nodes joined and Ready (${tag}, 1 process per ≤ 250)`,
      `${s.nodes}${s.joinFailures ? ` of ${s.requestedNodes} (${s.joinFailures} gave up after 8 attempts)` : ''} in ${s.joinSeconds.toFixed(1)} s${s.joinRetries ? `, ${s.joinRetries} start retries` : ''}`,
      '1,000 nodes on this 2-core machine',
      s.nodes >= 1000 ? true : undefined,
    ),
    row(`Scheduling throughput (${tag}, ${s.pods} pods)`, `${s.schedulingPodsPerSecond.toFixed(0)} pods/s bound`),
    row(
      `Pod start create → Running via watch, one pod at a time (${s.singleStarts} pods, ${tag}, simulated runtime)`,
      `p50 ${ms(s.singleStartP50)}, p99 ${ms(s.singleStartP99)}`,
      'p99 ≤ 3 s',
      s.singleStartP99 <= 3000,
    ),
    row(
      `Pod start create → Running via watch, within the ${s.pods}-pod burst (${tag})`,
      `p50 ${fmtS(s.podStartP50)}, p99 ${fmtS(s.podStartP99)}`,
      'p99 ≤ 3 s',
      s.podStartP99 <= 3000,
    ),
    row(`API GET pod (${tag})`, `p50 ${ms(s.getP50)}, p99 ${ms(s.getP99)}`, 'p99 ≤ 100 ms', s.getP99 <= 100),
    row(
      `API LIST ${s.listCount.toLocaleString('en-US')} pods (${tag})`,
      `p50 ${ms(s.listP50)}, p99 ${ms(s.listP99)}`,
      'p99 ≤ 100 ms',
      s.listP99 <= 100,
    ),
    row(
      `API LIST ${s.bigListCount.toLocaleString('en-US')} pods, all namespaces (${tag})`,
      `p50 ${ms(s.bigListP50)}, p99 ${ms(s.bigListP99)}`,
      'p99 ≤ 100 ms',
      s.bigListP99 <= 100,
    ),
    row(
      `API POST pod during the rollout (${tag}, ${s.postCount} calls)`,
      `p50 ${ms(s.postP50)}, p99 ${ms(s.postP99)}`,
      'p99 ≤ 100 ms',
      s.postP99 <= 100,
    ),
  ];
  if (s.fillPosts)
    rows.push(
      row(
        `API POST pod, 4 clients in parallel (${tag}, ${s.fillPosts} calls)`,
        `p50 ${ms(s.fillPostP50)}, p99 ${ms(s.fillPostP99)}`,
        'p99 ≤ 100 ms',
        s.fillPostP99 <= 100,
      ),
    );
  const month = (s.mqttBytesPerNodeHour * 730) / 1e6;
  rows.push(
    row(
      `Hub RSS at idle (${tag}, ${s.pods} pods)`,
      fmtMiB(s.hubIdleRss),
      s.nodes === 100 ? '≤ 150 MB (100 nodes / 1,000 pods)' : '—',
      s.nodes === 100 ? s.hubIdleRss <= 150 * MiB : undefined,
    ),
    row(`Hub CPU at idle (${tag})`, `${s.hubIdleCpuPercent.toFixed(1)} % of one core`),
    row(
      `MQTT bytes per node at idle (${tag}, counted at a TCP proxy, TLS included)`,
      `${(s.mqttBytesPerNodeHour / 1000).toFixed(1)} kB/h = ${month.toFixed(1)} MB/month${s.idleSeconds < NODE_STATUS_SECONDS ? ' (window < the 300 s node status report: leases only, lower bound)' : ''}`,
      '≤ 30 MB/node/month',
      s.idleSeconds >= NODE_STATUS_SECONDS ? month <= 30 : undefined,
    ),
    row(
      `Hub disk writes at idle (${tag}, /proc write_bytes over ${s.idleSeconds} s, plus the hourly flush forced with SIGUSR2)`,
      `${(s.hubDiskBytesPerHour / 1e6).toFixed(2)} MB/h = ${(s.hubDiskWindowBytesPerHour / 1e6).toFixed(2)} MB/h of writes + one flush of coalesced node status per ${STORE_FLUSH_SECONDS / 60} min (${(s.hubFlushBytes / 1e6).toFixed(2)} MB)${s.idleSeconds < NODE_STATUS_SECONDS ? ` (window < the ${NODE_STATUS_SECONDS} s node status post: few nodes have a coalesced status to flush yet, lower bound)` : ''}`,
      '≤ 1 MB/hour',
      s.idleSeconds >= NODE_STATUS_SECONDS ? s.hubDiskBytesPerHour <= 1e6 : undefined,
    ),
    row(
      `Unclean node loss (socket cut, no DISCONNECT) → Ready=Unknown (${tag})`,
      ms(s.uncleanDetectMs),
      '≤ 2 s',
      s.uncleanDetectMs <= 2000,
    ),
    row(
      `Node loss → ${s.uncleanPods} replacement pods Running (toleration 2 s) (${tag})`,
      `${fmtS(s.uncleanReplacedMs)} total, ${
        s.uncleanReplacedAfterTolerationMs > 0
          ? `${fmtS(s.uncleanReplacedAfterTolerationMs)} after the toleration`
          : 'within the 2 s toleration (taint times have 1 s resolution)'
      }`,
      '≤ 40 s after toleration',
      s.uncleanReplacedAfterTolerationMs <= 40_000,
    ),
    row(
      `Silent node loss (leases and status posts stop) → Ready=Unknown (${tag})`,
      fmtS(s.silentDetectMs),
      'grace period (hub default 50 s)',
      s.silentDetectMs <= 50_000,
    ),
    row(`Silent loss → ${s.silentPods} replacements Running (${tag})`, fmtS(s.silentReplacedMs)),
    row(`Simulator cost per hollow node (${tag})`, fmtMiB(s.fleetRssPerNode)),
  );
  return rows;
}

export function podmanRows(p) {
  const rows = [];
  const bare = percentile(p.bare, 50);
  const peapod = percentile(p.peapod, 50);
  rows.push(row(`Pod by hand: podman pod create + podman run -d (median of ${p.bare.length})`, fmtS(bare)));
  rows.push(
    row(
      `Same pod: peapod apply → Running via watch (median of ${p.peapod.length})`,
      `${fmtS(peapod)} = ${(peapod / bare).toFixed(2)}× by hand`,
      'p99 ≤ 3 s and ≤ 1.3× bare runtime',
      peapod / bare <= 1.3 && Math.max(...p.peapod) <= 3000,
    ),
  );
  if (p.peapodPhases?.length) {
    const median = (k) =>
      percentile(
        p.peapodPhases.map((x) => x[k]),
        50,
      );
    const phase = (k) => `${(median(k) / 1000).toFixed(2)} s`;
    rows.push(
      row(
        '… of which (medians): peapod apply process returned · pod bound on the watch · bound → Running',
        `${phase('cli')} · ${phase('boundAfterStart')} · ${phase('boundToRunning')}`,
      ),
    );
  }
  const split = (s) => (s ? ` (private ${fmtMiB(s.anon)}, file-backed ${fmtMiB(s.file)})` : '');
  rows.push(
    row(
      'Agent RSS at idle (real agent process, podman)',
      `${fmtMiB(p.agentRssIdle)}${split(p.agentRssIdleSplit)}`,
      '≤ 50 MB',
      p.agentRssIdle <= 50 * MiB,
    ),
  );
  rows.push(row('Agent RSS with 10 pods', `${fmtMiB(p.agentRssTenPods)}${split(p.agentRssTenPodsSplit)}`));
  if (p.agentCpuTenPods !== undefined)
    rows.push(
      row(
        'Agent CPU since its start (user + sys): 10 s after Ready · after the applies and 10 pods',
        `${p.agentCpuIdle.toFixed(2)} s · ${p.agentCpuTenPods.toFixed(2)} s`,
      ),
    );
  rows.push(
    row(
      'Agent cold start → 10 cached pods running, hub down (containers stopped first)',
      p.offlineColdStartMs !== undefined ? fmtS(p.offlineColdStartMs) : `not available: ${p.offlineColdStartError}`,
    ),
  );
  const cli = (m) => (m?.error ? `failed: ${m.error}` : m ? `${ms(m.median)} median` : 'n/a');
  rows.push(row('CLI cold start: node -e 0 (baseline)', cli(p.cli.baseline)));
  rows.push(row('CLI cold start: peapod version --client', cli(p.cli.version)));
  rows.push(row('CLI cold start: peapod get pods -A (10 pods)', cli(p.cli.getPods)));
  return rows;
}

export function markdownTable(rows) {
  const lines = ['| Metric | Peapod | Target | |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.metric} | ${r.value} | ${r.target} | ${r.verdict} |`);
  return lines.join('\n');
}
