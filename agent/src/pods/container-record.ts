import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus } from '@peapod/core';
import type { ContainerInfo } from '../runtime/driver.js';
import { type ContainerKind, containerHash } from './container-spec.js';
import { terminationReason } from './oom.js';
import type { ProbeKind } from './probe-results.js';
import type { ProbeRunner } from './probe-runner.js';
import { kubeTime } from './status.js';

/** One runtime instance (attempt) of a spec container. */
export interface ContainerInstance {
  id: string;
  attempt: number;
  state: 'created' | 'running' | 'exited';
  startedAtMs?: number;
  finishedAtMs?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  imageId?: string;
  memoryLimitBytes?: number;
  /** The agent stopped it (deletion, liveness/startup failure, hook failure, spec change). */
  killedByAgent: boolean;
  /** Killed for failing liveness/startup: restarted under OnFailure whatever the exit code. */
  killedAsUnhealthy?: boolean;
}

const timeMs = (s: string | undefined): number | undefined => {
  const t = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(t) || t <= 0 ? undefined : t;
};

export function instanceFromInfo(info: ContainerInfo, attempt: number): ContainerInstance {
  const inst: ContainerInstance = {
    id: info.id,
    attempt,
    state: info.state === 'running' ? 'running' : info.state === 'exited' ? 'exited' : 'created',
    startedAtMs: timeMs(info.startedAt),
    imageId: info.imageId,
    memoryLimitBytes: info.memoryLimitBytes,
    killedByAgent: false,
  };
  if (inst.state === 'exited') applyExit(inst, info);
  return inst;
}

/** Records the end of an instance from the runtime's view (exit code, finish time, OOM heuristic). */
export function applyExit(inst: ContainerInstance, info: ContainerInfo | undefined, nowMs = Date.now()): void {
  inst.state = 'exited';
  inst.exitCode = info?.exitCode ?? inst.exitCode ?? 137;
  inst.finishedAtMs = timeMs(info?.finishedAt) ?? nowMs;
  inst.startedAtMs ??= timeMs(info?.startedAt);
  inst.reason = terminationReason({
    exitCode: inst.exitCode,
    oomKilledByRuntime: info?.oomKilled,
    memoryLimitBytes: info?.memoryLimitBytes ?? inst.memoryLimitBytes,
    killedByAgent: inst.killedByAgent,
  });
}

/** The agent's record of one spec container (init or app) across its restarts. */
export class ContainerRecord {
  hash: string;
  current?: ContainerInstance;
  /** The instance before `current`, kept (not removed) until the next one replaces it. */
  previous?: ContainerInstance;
  /** Why the container is not running right now (back-off, image, config errors). */
  waiting?: { reason: string; message?: string };
  started = false;
  /** The exited instance whose CrashLoopBackOff wait is scheduled (one event and timer per crash). */
  backOffFor?: ContainerInstance;
  /** A failed start step (image, config, create) is retried at this time (agent clock, ms). */
  retryAt?: number;
  /** When the pending wake-up timer of this container fires (see PodWorker.wakeAt). */
  wakeDue?: number;
  /** Restart without back-off (spec changed, adopted with another hash). */
  forceRestart = false;
  readonly probes = new Map<ProbeKind, ProbeRunner>();

  constructor(
    public spec: Container,
    readonly kind: ContainerKind,
  ) {
    this.hash = containerHash(spec);
  }

  get name(): string {
    return this.spec.name;
  }

  get restartCount(): number {
    return this.current?.attempt ?? 0;
  }

  nextAttempt(): number {
    return this.current ? this.current.attempt + 1 : 0;
  }

  get running(): boolean {
    return this.current?.state === 'running';
  }

  get succeeded(): boolean {
    return this.current?.state === 'exited' && this.current.exitCode === 0 && !this.waiting;
  }

  get ready(): boolean {
    if (!this.running || !this.started) return false;
    const readiness = this.probes.get('readiness');
    return readiness ? readiness.result === 'success' : true;
  }

  /** The terminated instance shown as `lastState` (and served by `logs --previous`). */
  lastTerminated(): ContainerInstance | undefined {
    if (this.current?.state === 'exited' && this.waiting) return this.current;
    return this.previous?.state === 'exited' ? this.previous : undefined;
  }

  stopProbes(): void {
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
  }

  status(runtimeName: string, defaultWaitingReason: string): ContainerStatus {
    const c = this.current;
    let state: ContainerState;
    if (c?.state === 'running') state = { running: { startedAt: kubeTime(c.startedAtMs ?? Date.now()) } };
    else if (this.waiting) state = { waiting: { ...this.waiting } };
    else if (c?.state === 'exited') state = { terminated: terminatedState(c, runtimeName) };
    else state = { waiting: { reason: c ? 'ContainerCreating' : defaultWaitingReason } };
    const last = this.lastTerminated();
    const status: ContainerStatus = {
      name: this.name,
      state,
      lastState: last ? { terminated: terminatedState(last, runtimeName) } : {},
      ready: this.ready,
      restartCount: this.restartCount,
      image: this.spec.image,
      imageID: imageIdOf(c?.imageId),
      started: this.running && this.started,
    };
    if (c) status.containerID = `${runtimeName}://${c.id}`;
    return status;
  }
}

function terminatedState(c: ContainerInstance, runtimeName: string): ContainerStateTerminated {
  const t: ContainerStateTerminated = { exitCode: c.exitCode ?? 0, reason: c.reason ?? 'Error' };
  if (c.message) t.message = c.message;
  if (c.startedAtMs) t.startedAt = kubeTime(c.startedAtMs);
  t.finishedAt = kubeTime(c.finishedAtMs ?? Date.now());
  t.containerID = `${runtimeName}://${c.id}`;
  return t;
}

/** Runtime image IDs are bare sha256 hex; Kubernetes shows them as `sha256:<hex>`. */
function imageIdOf(id: string | undefined): string {
  if (!id) return '';
  return /^[0-9a-f]{64}$/.test(id) ? `sha256:${id}` : id;
}
