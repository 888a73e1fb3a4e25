import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for the long-running hub, applied by `peapod hub` before the hub loads (both flags
 * take effect at run time). Measured at 100 nodes / 1,000 pods (bench/README.md): without them
 * the hub idles with ~60 MiB of heap that a full GC would give back.
 *
 * - `--semi-space-growth-factor=1` keeps the young generation at its initial 2 MiB instead of
 *   letting a burst (a rollout, a join storm) grow it to 32 MiB, which V8 keeps committed at idle.
 * - `--optimize-for-size` makes V8 grow the old generation conservatively and lets its memory
 *   reducer collect after bursts even while heartbeats keep allocating. Without it, the small
 *   young generation promotes more garbage, which then waits for a far-off old-space limit.
 *
 * `PEAPOD_HUB_V8_FLAGS` replaces the default (an empty value applies none). A young-generation
 * size given to node itself (`node --max-semi-space-size=8 …`, NODE_OPTIONS) wins: the default is
 * then not applied.
 */
export const DEFAULT_HUB_V8_FLAGS = '--optimize-for-size --semi-space-growth-factor=1';

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
