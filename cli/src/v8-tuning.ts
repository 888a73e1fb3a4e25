import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for the long-running hub, applied by `peapod hub` before the hub loads.
 *
 * `--semi-space-growth-factor=1` keeps V8's young generation at its initial size (1 MiB per
 * semi-space) instead of letting a burst (a rollout, a join storm) grow it to 2 × 16 MiB, which
 * V8 keeps committed — and counted in RSS — long after the burst, at idle. The price is more,
 * smaller scavenges (see bench/README.md for the measured RSS, CPU and latency).
 *
 * `PEAPOD_HUB_V8_FLAGS` replaces the default (an empty value applies none). A young-generation
 * size given to node itself (`node --max-semi-space-size=8 …`, NODE_OPTIONS) wins: the default is
 * then not applied.
 */
export const DEFAULT_HUB_V8_FLAGS = '--semi-space-growth-factor=1';

export function hubV8Flags(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string {
  if (env.PEAPOD_HUB_V8_FLAGS !== undefined) return env.PEAPOD_HUB_V8_FLAGS.trim();
  const given = [...execArgv, env.NODE_OPTIONS ?? ''].join(' ');
  return /semi[-_]space/.test(given) ? '' : DEFAULT_HUB_V8_FLAGS;
}

export function applyHubV8Flags(env: NodeJS.ProcessEnv = process.env, execArgv = process.execArgv): string {
  const flags = hubV8Flags(env, execArgv);
  if (flags) setFlagsFromString(flags);
  return flags;
}
