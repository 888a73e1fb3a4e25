#!/usr/bin/env node
// Cold start of the `peapod` CLI: wall time of `peapod version --client` (no network) and, when a
// kubeconfig is given (KUBECONFIG or --kubeconfig), `peapod get pods` against that hub.
// Usage: node bench/cli-cold-start.mjs [--runs N] [--kubeconfig FILE]   (after `npx tsc -b`)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('--runs', '10'));
const kubeconfig = opt('--kubeconfig', process.env.KUBECONFIG);
const PEAPOD = fileURLToPath(new URL('../cli/dist/main.js', import.meta.url));

function measure(label, argv, env = {}, script = [PEAPOD]) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [...script, ...argv], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
      console.error(`${label}: exit ${r.status}: ${r.stderr}`);
      return;
    }
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${label.padEnd(28)} median ${median.toFixed(1)} ms  min ${times[0].toFixed(1)} ms  max ${times.at(-1).toFixed(1)} ms  (${runs} runs)`);
}

measure('node -e 0 (baseline)', ['-e', '0'], {}, []);
measure('peapod version --client', ['version', '--client']);
if (kubeconfig) measure('peapod get pods', ['get', 'pods', '-A'], { KUBECONFIG: kubeconfig });
else console.log('peapod get pods: skipped (set KUBECONFIG or --kubeconfig)');
