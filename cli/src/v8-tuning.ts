import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags `peapod hub` and `peapod agent` set on themselves before they load the daemon, so each
 * stays one process with the usual command line. Only flags V8 reads at run time have an effect.
 *
 * - agent (docs/agent.md, "Memory"): no optimizing compiler (TurboFan's code and compile zones cost
 *   ~10 MiB of RSS; the agent is I/O bound) and a young generation that stays at its initial 1 MiB
 *   semi-space (~3 MiB).
 * - hub: none by default — the idle collector (idle-gc.ts) gives the memory back without their
 *   throughput cost. Operators who trade throughput for memory on small devices can set e.g.
 *   `--optimize-for-size --semi-space-growth-factor=1` (at 100 nodes / 1,000 pods ~140 MiB idle,
 *   but LIST and rollouts measurably slower; bench/README.md).
 *
 * `PEAPOD_HUB_V8_FLAGS` / `PEAPOD_AGENT_V8_FLAGS` replace the defaults (empty: none).
 */
const DEFAULT_FLAGS = { hub: '', agent: '--no-opt --semi-space-growth-factor=1' } as const;
const VARIABLE = { hub: 'PEAPOD_HUB_V8_FLAGS', agent: 'PEAPOD_AGENT_V8_FLAGS' } as const;

export type Daemon = keyof typeof DEFAULT_FLAGS;

export function daemonV8Flags(daemon: Daemon, env: NodeJS.ProcessEnv): string {
  return (env[VARIABLE[daemon]] ?? DEFAULT_FLAGS[daemon]).trim();
}

export function applyDaemonV8Flags(daemon: Daemon, env: NodeJS.ProcessEnv = process.env): string {
  const flags = daemonV8Flags(daemon, env);
  if (flags) setFlagsFromString(flags);
  return flags;
}
