/**
 * Probe result accounting as the kubelet's probe worker does it (k8s-semantics §6.2): a result only
 * becomes the container's probe result after `successThreshold` consecutive successes or
 * `failureThreshold` consecutive failures; `unknown` (the probe could not run) changes nothing.
 */
export type ProbeResult = 'success' | 'failure' | 'unknown';
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeThresholds {
  successThreshold: number;
  failureThreshold: number;
}

/** Defaults of `SetDefaults_Probe` (k8s-semantics §6.1). */
export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

/** Result before the first run: readiness starts as failure, liveness as success, startup unknown. */
export function initialProbeResult(kind: ProbeKind): ProbeResult {
  if (kind === 'readiness') return 'failure';
  if (kind === 'liveness') return 'success';
  return 'unknown';
}

export class ProbeResultTracker {
  private last: ProbeResult = 'unknown';
  private run = 0;
  private committed: ProbeResult;

  constructor(
    private readonly thresholds: ProbeThresholds,
    initial: ProbeResult,
  ) {
    this.committed = initial;
  }

  get result(): ProbeResult {
    return this.committed;
  }

  /** Feeds one probe outcome; returns true when the committed result changed. */
  record(outcome: ProbeResult): boolean {
    if (outcome === 'unknown') return false;
    if (outcome === this.last) this.run++;
    else {
      this.last = outcome;
      this.run = 1;
    }
    const threshold = outcome === 'success' ? this.thresholds.successThreshold : this.thresholds.failureThreshold;
    if (this.run < threshold) return false;
    const changed = this.committed !== outcome;
    this.committed = outcome;
    return changed;
  }

  /** After a liveness/startup kill the run starts over (the kubelet puts the worker on hold). */
  restart(initial: ProbeResult): void {
    this.last = 'unknown';
    this.run = 0;
    this.committed = initial;
  }
}
