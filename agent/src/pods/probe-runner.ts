import type { Probe } from '@peapod/core';
import type { HandlerOutcome } from './handlers.js';
import {
  initialProbeResult,
  PROBE_DEFAULTS,
  type ProbeKind,
  type ProbeResult,
  ProbeResultTracker,
} from './probe-results.js';

/**
 * Runs one probe of one container on timers (no polling loop): first at container start +
 * initialDelaySeconds, then every periodSeconds, each run bounded by timeoutSeconds. Reports every
 * outcome (for events) and every change of the thresholded result.
 */
export interface ProbeRunnerHooks {
  run(timeoutMs: number): Promise<HandlerOutcome>;
  onOutcome(outcome: HandlerOutcome): void;
  onChange(result: ProbeResult, outcome: HandlerOutcome): void;
}

export class ProbeRunner {
  readonly tracker: ProbeResultTracker;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly hooks: ProbeRunnerHooks,
  ) {
    this.tracker = new ProbeResultTracker(
      {
        successThreshold: probe.successThreshold ?? PROBE_DEFAULTS.successThreshold,
        failureThreshold: probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold,
      },
      initialProbeResult(kind),
    );
  }

  get result(): ProbeResult {
    return this.tracker.result;
  }

  start(containerStartedAtMs: number, nowMs: number): void {
    const initialDelayMs = (this.probe.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds) * 1000;
    this.schedule(Math.max(0, containerStartedAtMs + initialDelayMs - nowMs));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    const timeoutMs = (this.probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds) * 1000;
    const outcome = await this.hooks.run(timeoutMs);
    if (this.stopped) return;
    this.hooks.onOutcome(outcome);
    if (this.tracker.record(outcome.result)) this.hooks.onChange(this.tracker.result, outcome);
    this.schedule((this.probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * 1000);
  }
}
