import { setFlagsFromString } from 'node:v8';

/**
 * `PEAPOD_HUB_V8_FLAGS="…"`: V8 flags `peapod hub` applies before the hub loads, for operators who
 * trade throughput for memory on small devices (e.g. `--optimize-for-size
 * --semi-space-growth-factor=1`: at 100 nodes / 1,000 pods ~140 MiB idle, but LIST and rollouts
 * measurably slower; bench/README.md). None by default: the idle collector (idle-gc.ts) gives
 * the memory back without that cost. Only flags V8 reads at run time have an effect.
 */
export function hubV8Flags(env: NodeJS.ProcessEnv): string {
  return (env.PEAPOD_HUB_V8_FLAGS ?? '').trim();
}

export function applyHubV8Flags(env: NodeJS.ProcessEnv = process.env): string {
  const flags = hubV8Flags(env);
  if (flags) setFlagsFromString(flags);
  return flags;
}
