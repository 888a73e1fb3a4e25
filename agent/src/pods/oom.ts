/**
 * Terminated-state reason of a container. podman 4.3 never reports `OOMKilled` (podman-notes §4.3),
 * so the agent infers it: exit code 137 (128 + SIGKILL) under a memory limit, when the agent did not
 * kill the container itself (stop, liveness kill, hook failure, deletion), is classified OOMKilled.
 */
export interface Termination {
  exitCode: number;
  /** What the runtime says (always false on podman 4.3, right on docker/newer podman). */
  oomKilledByRuntime?: boolean;
  memoryLimitBytes?: number;
  /** The agent sent the stop/kill that ended this container. */
  killedByAgent: boolean;
}

export type TerminationReason = 'Completed' | 'Error' | 'OOMKilled';

export const SIGKILL_EXIT_CODE = 137;

export function terminationReason(t: Termination): TerminationReason {
  if (t.oomKilledByRuntime) return 'OOMKilled';
  if (t.exitCode === SIGKILL_EXIT_CODE && !t.killedByAgent && (t.memoryLimitBytes ?? 0) > 0) return 'OOMKilled';
  return t.exitCode === 0 ? 'Completed' : 'Error';
}
