/**
 * `peapod hub [flags]` and `peapod agent [flags]`: load '@peapod/hub' / '@peapod/agent' only when
 * asked (the kubectl-like verbs never pay for them) and run until SIGINT/SIGTERM.
 */
import { CliError } from '../errors.js';
import { startIdleCollector } from '../idle-gc.js';
import { applyDaemonV8Flags } from '../v8-tuning.js';

interface Stoppable {
  stop(): Promise<void>;
}

function runUntilSignal(handle: Stoppable, what: string): void {
  const shutdown = (signal: string) => {
    process.stderr.write(`${what}: ${signal}, stopping\n`);
    handle.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`${what}: stop failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/** Flag parsers throw plain Errors with user-facing text; the CLI prints them as `error: …`. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

export async function runHub(argv: string[]): Promise<number> {
  applyDaemonV8Flags('hub');
  const hubModule = await import('@peapod/hub');
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: peapod hub [options]\n${hubModule.HUB_FLAGS_HELP}\n`);
    return 0;
  }
  const { mqtt, ...options } = parsed(() => hubModule.parseHubFlags(argv));
  const hub = await hubModule.startHub({
    ...options,
    components: hubModule.defaultHubComponents({ ...mqtt, tlsNames: options.extraSANs }),
  });
  process.stdout.write(hubModule.describeHub(hub));
  await startIdleCollector();
  // SIGUSR2: write coalesced node status to disk now (before a backup of the data dir; the bench
  // uses it to measure what an hourly flush writes).
  process.on('SIGUSR2', () => {
    hub.flush();
    process.stderr.write('hub: SIGUSR2, coalesced writes flushed to disk\n');
  });
  runUntilSignal(hub, 'hub');
  return 0;
}

export async function runAgent(argv: string[]): Promise<number> {
  applyDaemonV8Flags('agent');
  // The agent alone: not the package index (simulator, docker driver), which the agent loads on demand.
  const agentModule = await import('@peapod/agent/agent');
  const options = parsed(() => agentModule.parseAgentFlags(argv));
  const agent = await agentModule.startAgent(options);
  runUntilSignal(agent, 'agent');
  return 0;
}
