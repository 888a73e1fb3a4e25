/**
 * `peapod hub [flags]` and `peapod agent [flags]`: lazily load '@peapod/hub' / '@peapod/agent' and
 * run them until SIGINT/SIGTERM. Typed against the expected entry points, so the CLI builds even
 * when a package does not export them yet (then the verb says so).
 */
import { CliError } from '../errors.js';

interface Stoppable {
  stop(): Promise<void>;
}

interface HubModule {
  parseHubFlags(argv: readonly string[]): Record<string, unknown>;
  startHub(options: unknown): Promise<Stoppable>;
  /** The parts `peapod hub` runs besides the HTTP API, in start order (each optional here). */
  createMqttComponent?(options?: { mqttsPort?: number; wssPort?: number | null }): unknown;
  createSchedulerComponent?(): unknown;
  createControllersComponent?(): unknown;
  createEndpointsController?(): unknown;
  createServiceTablePublisher?(): unknown;
  describeHub?(hub: Stoppable): string;
  HUB_FLAGS_HELP?: string;
}

interface AgentModule {
  parseAgentFlags(argv: string[]): unknown;
  startAgent(options: unknown): Promise<Stoppable>;
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

/**
 * `--mqtts-port N` and `--wss-port N|off` configure the embedded broker; they are taken out before
 * the remaining flags go to parseHubFlags.
 */
export function takeMqttFlags(argv: string[]): {
  mqtt: { mqttsPort?: number; wssPort?: number | null };
  rest: string[];
} {
  const mqtt: { mqttsPort?: number; wssPort?: number | null } = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(mqtts-port|wss-port)(?:=(.*))?$/.exec(argv[i]);
    if (!m) {
      rest.push(argv[i]);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (m[1] === 'wss-port' && value === 'off') {
      mqtt.wssPort = null;
      continue;
    }
    if (value === undefined || !/^\d+$/.test(value) || Number(value) > 65535) {
      throw new CliError(`invalid --${m[1]} "${value ?? ''}": want 0-65535${m[1] === 'wss-port' ? ' or off' : ''}`);
    }
    if (m[1] === 'mqtts-port') mqtt.mqttsPort = Number(value);
    else mqtt.wssPort = Number(value);
  }
  return { mqtt, rest };
}

export async function runHub(argv: string[]): Promise<number> {
  const mod = (await import('@peapod/hub')) as unknown as Partial<HubModule>;
  if (typeof mod.parseHubFlags !== 'function' || typeof mod.startHub !== 'function') {
    throw new CliError('this build of @peapod/hub does not export parseHubFlags/startHub');
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: peapod hub [options]\n${mod.HUB_FLAGS_HELP ?? ''}\n`);
    return 0;
  }
  const { mqtt, rest } = takeMqttFlags(argv);
  let options: Record<string, unknown>;
  try {
    options = mod.parseHubFlags(rest);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const components = [
    mod.createMqttComponent?.(mqtt),
    mod.createSchedulerComponent?.(),
    mod.createControllersComponent?.(),
    mod.createEndpointsController?.(),
    mod.createServiceTablePublisher?.(),
  ].filter((c) => c !== undefined);
  const hub = await mod.startHub({
    ...options,
    components: [...((options.components as unknown[]) ?? []), ...components],
  });
  if (mod.describeHub) process.stdout.write(mod.describeHub(hub));
  runUntilSignal(hub, 'hub');
  return 0;
}

export async function runAgent(argv: string[]): Promise<number> {
  const mod = (await import('@peapod/agent')) as unknown as Partial<AgentModule>;
  if (typeof mod.parseAgentFlags !== 'function' || typeof mod.startAgent !== 'function') {
    throw new CliError('this build of @peapod/agent does not export parseAgentFlags/startAgent');
  }
  let options: unknown;
  try {
    options = mod.parseAgentFlags(argv);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const agent = await mod.startAgent(options);
  runUntilSignal(agent, 'agent');
  return 0;
}
