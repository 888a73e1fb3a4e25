// Idle RSS of a real agent process (`peapod agent`, podman runtime) against a real `peapod hub`,
// and the RSS each heavy module adds to a bare Node process. Run `npx tsc -b` first.
//   [MODULES=mqtt,yaml] node bench/agent-rss.mjs [settleSeconds=45] [-- extra node flags for the agent]
// Prints the median/min/max VmRSS over the last 10 seconds. Idle RSS is noisy (±5 MiB between runs):
// V8 keeps the young generation it grew while loading modules until its memory reducer runs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PEAPOD, ROOT, rssBytes, startAgentProcess, startHub, stopChild, tempDir } from './lib/processes.mjs';

const MiB = 1024 * 1024;
const dash = process.argv.indexOf('--');
const settleSeconds = Number(process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : 45);
const nodeFlags = dash >= 0 ? process.argv.slice(dash + 1) : [];

/** VmRSS of `node -e "await import(spec)"` minus that of a bare node, in MiB. */
function moduleCost(spec) {
  const script = (body) =>
    `${body};await new Promise(r=>setTimeout(r,300));const s=require('node:fs').readFileSync('/proc/self/status','utf8');console.log(/VmRSS:\\s+(\\d+)/.exec(s)[1])`;
  const run = (body) =>
    Number(
      spawnSync(process.execPath, ['--input-type=commonjs', '-e', `(async()=>{${script(body)}})()`], {
        cwd: join(ROOT, 'agent'),
        encoding: 'utf8',
      }).stdout.trim(),
    ) / 1024;
  const base = run('0');
  const loaded = run(`await import(${JSON.stringify(spec)})`);
  return { base, cost: loaded - base };
}

for (const spec of process.env.MODULES?.split(',') ?? []) {
  const { base, cost } = moduleCost(spec);
  console.log(`module ${spec}: +${cost.toFixed(1)} MiB (bare node ${base.toFixed(1)} MiB)`);
}

const hub = await startHub();
const nodeName = `rss-${randomBytes(3).toString('hex')}`;
const work = tempDir('peapod-agent-rss-');
const agent = startAgentProcess({ hub, nodeName, dataDir: join(work, 'agent'), nodeFlags });
try {
  const samples = [];
  for (let s = 1; s <= settleSeconds; s++) {
    await sleep(1000);
    if (agent.exitCode !== null) throw new Error(`agent exited: ${agent.stderrTail()}`);
    if (s > settleSeconds - 10) samples.push(rssBytes(agent.pid) / MiB);
  }
  const ready = spawnSync(process.execPath, [PEAPOD, 'get', 'node', nodeName, '--kubeconfig', hub.kubeconfig], {
    encoding: 'utf8',
  });
  console.log(ready.stdout.trim() || ready.stderr.trim());
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `agent idle RSS, last 10 of ${settleSeconds}s${nodeFlags.length ? ` (${nodeFlags.join(' ')})` : ''}: ` +
      `median ${sorted[sorted.length >> 1].toFixed(1)} MiB, min ${sorted[0].toFixed(1)}, max ${sorted.at(-1).toFixed(1)}`,
  );
} finally {
  await stopChild(agent);
  await hub.cleanup();
}
