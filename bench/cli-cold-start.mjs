#!/usr/bin/env node
// Cold start of the `peapod` CLI: wall time of `peapod version --client` (no network) and, when a
// kubeconfig is given (KUBECONFIG or --kubeconfig), `peapod get pods` against that hub.
// Usage: node bench/cli-cold-start.mjs [--runs N] [--kubeconfig FILE]   (after `npx tsc -b`)
// `npm run bench` uses measureCliColdStart() from here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PEAPOD = fileURLToPath(new URL('../cli/dist/main.js', import.meta.url));

/** Wall times (ms, sorted) of `runs` fresh processes, or an error message. */
function measure(argv, { runs, env = {}, script = [PEAPOD] }) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [...script, ...argv], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) return { error: `exit ${r.status}: ${r.stderr.trim().slice(0, 200)}` };
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { times, median: times[Math.floor(times.length / 2)], min: times[0], max: times.at(-1) };
}

export function measureCliColdStart({ runs = 10, kubeconfig } = {}) {
  return {
    baseline: measure(['-e', '0'], { runs, script: [] }),
    version: measure(['version', '--client'], { runs }),
    getPods: kubeconfig ? measure(['get', 'pods', '-A'], { runs, env: { KUBECONFIG: kubeconfig } }) : undefined,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const runs = Number(opt('--runs', '10'));
  const result = measureCliColdStart({ runs, kubeconfig: opt('--kubeconfig', process.env.KUBECONFIG) });
  const show = (label, m) => {
    if (!m) return console.log(`${label}: skipped (set KUBECONFIG or --kubeconfig)`);
    if (m.error) return console.error(`${label}: ${m.error}`);
    console.log(
      `${label.padEnd(28)} median ${m.median.toFixed(1)} ms  min ${m.min.toFixed(1)} ms  max ${m.max.toFixed(1)} ms  (${runs} runs)`,
    );
  };
  show('node -e 0 (baseline)', result.baseline);
  show('peapod version --client', result.version);
  show('peapod get pods', result.getPods);
}
