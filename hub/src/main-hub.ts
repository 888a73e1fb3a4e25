#!/usr/bin/env node
import { HUB_FLAGS_HELP, parseHubFlags } from './config.js';
import { describeHub, startHub } from './hub.js';

/**
 * `node hub/dist/main-hub.js [flags]`: runs a hub (HTTP API only; `peapod hub` adds the MQTT
 * bridge, scheduler and controllers). Prints the admin info, stops cleanly on SIGINT/SIGTERM.
 */

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: main-hub [options]\n${HUB_FLAGS_HELP}\n`);
    return;
  }
  let options: ReturnType<typeof parseHubFlags>;
  try {
    options = parseHubFlags(argv);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const hub = await startHub(options);
  process.stdout.write(describeHub(hub));
  const shutdown = (): void => {
    hub.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
