#!/usr/bin/env node
// `npm run bench [-- --quick] [--no-build] [--skip-sim] [--skip-podman] [--nodes N] [--idle S] [--pods-per-node P] [--out F]`
// Builds (npx tsc -b), runs the fleet simulator (hollow nodes against a real hub process) and the
// real-podman comparisons, prints the table and writes bench/RESULTS.md. Loopback only; every
// process is stopped by PID and every container removed by label.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describeMachine, machineLine } from './lib/machine.mjs';
import { runPodmanBench } from './lib/podman-bench.mjs';
import { ROOT } from './lib/processes.mjs';
import { markdownTable, podmanRows, simulatorRows } from './lib/report.mjs';
import { runSimulatorScenario } from './lib/simulator-bench.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const quick = flag('--quick');
const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

const scenarios = quick
  ? [{ nodes: 100, podsPerNode: 10, workers: 1, idleSeconds: value('--idle') ?? 30, fillTo: 10_000 }]
  : [
      { nodes: 100, podsPerNode: 10, workers: 1, idleSeconds: value('--idle') ?? 330 },
      { nodes: 1000, podsPerNode: 10, workers: 4, idleSeconds: value('--idle') ?? 330 },
    ];
if (value('--nodes')) {
  const nodes = value('--nodes');
  scenarios.splice(0, scenarios.length, {
    nodes,
    podsPerNode: value('--pods-per-node') ?? 10,
    workers: Math.ceil(nodes / 250),
    idleSeconds: value('--idle') ?? (quick ? 30 : 330),
  });
}

if (!flag('--no-build')) {
  log('building (npx tsc -b)');
  const build = spawnSync('npx', ['tsc', '-b'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const machine = describeMachine();
const loadBefore = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
log(`machine: ${machineLine(machine)}; load ${loadBefore}`);
const rows = [];
const failures = [];

if (!flag('--skip-sim'))
  for (const scenario of scenarios) {
    log(`simulator: ${scenario.nodes} hollow nodes × ${scenario.podsPerNode} pods`);
    try {
      rows.push(...simulatorRows(await runSimulatorScenario({ ...scenario, log })));
    } catch (error) {
      failures.push(`simulator ${scenario.nodes} nodes: ${error.message}`);
      log(`simulator ${scenario.nodes} nodes failed: ${error.stack}`);
    }
  }
if (!flag('--skip-podman')) {
  try {
    rows.push(...podmanRows(await runPodmanBench({ runs: quick ? 3 : 5, log })));
  } catch (error) {
    failures.push(`podman: ${error.message}`);
    log(`podman bench failed: ${error.stack}`);
  }
}

const table = markdownTable(rows);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const text = `# Benchmark results

Written by \`node bench/run.js${args.length ? ` ${args.join(' ')}` : ''}\` (\`npm run bench\`) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
in ${minutes} min. Mode: ${quick ? 'quick' : 'full'}.

Machine: ${machineLine(machine)}. Load average (1/5/15 min) at start ${loadBefore}, at end
${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')} — the machine was shared with other work, so latencies include CPU contention.

${table}
${failures.length ? `\nFailed parts:\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}
How it is measured (bench/README.md has the details): hollow nodes are real agents (MQTT, join,
node reports, pod engine) with an in-memory runtime (agent/src/sim), in worker processes, against
a real \`peapod hub\` process; traffic is counted at a TCP proxy between them. Latencies come from
a watch on the hub. RSS is VmRSS; MiB = 2^20 bytes, MB = 10^6 bytes. Verdicts compare with the
targets of issue 9 and are not assertions.
`;
const out = args.includes('--out')
  ? args[args.indexOf('--out') + 1]
  : fileURLToPath(new URL('./RESULTS.md', import.meta.url));
writeFileSync(out, text);
console.log(`\n${table}\n`);
log(`wrote ${out}${failures.length ? ` (${failures.length} part(s) failed)` : ''}`);
process.exit(failures.length ? 1 : 0);
