#!/usr/bin/env node
/**
 * `peapod`: a tiny dispatcher. Each verb lives in its own module and is imported only when used,
 * so `peapod version` and `peapod get pods` start fast on small devices.
 */
const VERBS: Record<string, () => Promise<{ run(argv: string[]): Promise<number | undefined> }>> = {
  get: () => import('./verbs/get.js'),
  describe: () => import('./verbs/describe.js'),
  apply: () => import('./verbs/apply.js'),
  create: () => import('./verbs/create.js'),
  run: () => import('./verbs/run.js'),
  delete: () => import('./verbs/delete.js'),
  logs: () => import('./verbs/logs.js'),
  exec: () => import('./verbs/exec.js'),
  scale: () => import('./verbs/scale.js'),
  set: () => import('./verbs/set.js'),
  rollout: () => import('./verbs/rollout.js'),
  label: () => import('./verbs/label.js'),
  annotate: () => import('./verbs/label.js').then((m) => ({ run: m.runAnnotate })),
  taint: () => import('./verbs/taint.js'),
  cordon: () => import('./verbs/cordon.js'),
  uncordon: () => import('./verbs/cordon.js').then((m) => ({ run: m.runUncordon })),
  drain: () => import('./verbs/drain.js'),
  expose: () => import('./verbs/expose.js'),
  top: () => import('./verbs/top.js'),
  explain: () => import('./verbs/explain.js'),
  version: () => import('./verbs/version.js'),
  config: () => import('./verbs/config.js'),
  completion: () => import('./verbs/completion.js'),
  hub: () => import('./verbs/daemons.js').then((m) => ({ run: m.runHub })),
  agent: () => import('./verbs/daemons.js').then((m) => ({ run: m.runAgent })),
  up: () => import('./verbs/up.js'),
  down: () => import('./verbs/up.js').then((m) => ({ run: m.runDown })),
  help: () => import('./verbs/help.js'),
};

async function main(argv: string[]): Promise<number> {
  const verb = argv[0];
  if (!verb || verb === '-h' || verb === '--help') {
    const help = await import('./verbs/help.js');
    return (await help.run([])) ?? 0;
  }
  const load = VERBS[verb];
  if (!load) {
    process.stderr.write(`error: unknown command "${verb}" for "peapod"\nRun 'peapod --help' for usage.\n`);
    return 1;
  }
  const beforeDashDash = argv.slice(1, argv.includes('--') ? argv.indexOf('--') : undefined);
  if ((beforeDashDash.includes('--help') || beforeDashDash.includes('-h')) && verb !== 'hub' && verb !== 'agent') {
    const help = await import('./verbs/help.js');
    return help.verbHelp(verb);
  }
  try {
    const mod = await load();
    return (await mod.run(argv.slice(1))) ?? 0;
  } catch (e) {
    const { formatError, ExitError } = await import('./errors.js');
    if (e instanceof ExitError) return e.exitCode;
    process.stderr.write(`${formatError(e)}\n`);
    const code = (e as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' ? code : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Streams and keep-alive sockets must not hold the process open once the verb is done; a
    // daemon that failed to start (a port in use …) must not linger half-started either.
    if (!keepAlive.has(process.argv[2] ?? '') || code !== 0) setImmediate(() => process.exit(code));
  },
  (e) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

/** Verbs that keep running after `run` resolves (daemons). */
const keepAlive = new Set(['hub', 'agent']);
