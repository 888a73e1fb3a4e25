import { mkdir, rm } from 'node:fs/promises';
import { type Container, type LifecycleHandler, type Pod, type PodStatus, qosClass, stableHash } from '@peapod/core';
import type { ContainerConfig, ContainerInfo, RuntimeDriver, Sandbox } from '../runtime/driver.js';
import { LABELS } from '../runtime/driver.js';
import { type BackOff, goDuration } from './backoff.js';
import { applyExit, ContainerRecord, instanceFromInfo } from './container-record.js';
import {
  buildContainerConfig,
  containerHash,
  emptyDirPath,
  hostPortMappings,
  type PodRef,
  podDataDir,
  podLabels,
  podRef,
  sandboxName,
} from './container-spec.js';
import { runHandler } from './handlers.js';
import { imageAction } from './image-policy.js';
import type { ProbeKind } from './probe-results.js';
import { ProbeRunner } from './probe-runner.js';
import { formatPodRef, kubeTime, podConditions, podPhase, withTransitionTimes } from './status.js';
import type { PodEvent } from './types.js';

/**
 * One kubelet-style pod worker: drives the runtime toward one pod's spec. Every operation runs on
 * the worker's own queue (serialised per pod; different pods run in parallel). It is woken by
 * sync updates, runtime events (container died), probe results and back-off timers — never polls.
 */
export interface WorkerContext {
  driver: RuntimeDriver;
  nodeName: string;
  hostIP: string;
  dataDir: string;
  now: () => number;
  crashBackOff: BackOff;
  imageBackOff: BackOff;
  nodeAllocatable: { cpuMilli: number; memoryBytes: number };
  /** Service environment variables for a namespace, at container creation time. */
  serviceEnv?(namespace: string): Record<string, string>;
  publish(worker: PodWorker, status: PodStatus): void;
  removed(ref: PodRef): void;
  event(event: PodEvent): void;
}

/** Kubelet `minimumGracePeriodInSeconds`: kills not requested by a deletion get at least 2 s. */
const MIN_GRACE_SECONDS = 2;
const DEFAULT_GRACE_SECONDS = 30;
/** Retry delay after an unexpected runtime error (kubelet pod worker back-off period). */
const SYNC_ERROR_RETRY_MS = 10_000;
/** Timers wake a little after their due time so a back-off is surely over when they fire. */
const WAKE_SLACK_MS = 20;
/** Upper bound for a postStart hook (Kubernetes has none; the agent must not hang a worker forever). */
const POST_START_TIMEOUT_MS = 5 * 60_000;

export interface AdoptedObjects {
  sandboxes: Sandbox[];
  containers: ContainerInfo[];
}

interface ImageCheck {
  present: boolean;
  id?: string;
}

export class PodWorker {
  pod: Pod;
  readonly ref: PodRef;
  private sandbox?: { id: string; ip?: string };
  private init: ContainerRecord[];
  private app: ContainerRecord[];
  private queue: Promise<void> = Promise.resolve();
  private reconcilePending = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private terminationGrace?: number;
  private done = false;
  private terminalPhase?: 'Succeeded' | 'Failed';
  private startTime: string;
  private lastStatus?: PodStatus;
  private lastStatusJson = '';
  private sandboxRetryAt?: number;
  /** Image checks started with the sandbox, each used once by ensureImage. */
  private earlyImageChecks = new Map<string, Promise<ImageCheck>>();
  private readonly sandboxWake: { wakeDue?: number } = {};
  private specHash: string;

  constructor(
    private readonly ctx: WorkerContext,
    pod: Pod,
    adopted?: AdoptedObjects,
  ) {
    this.pod = pod;
    this.ref = podRef(pod);
    this.init = (pod.spec.initContainers ?? []).map((c) => new ContainerRecord(c, 'init'));
    this.app = pod.spec.containers.map((c) => new ContainerRecord(c, 'app'));
    this.specHash = stableHash(pod.spec);
    this.startTime = pod.status?.startTime ?? kubeTime(ctx.now());
    if (adopted) this.enqueue(() => this.adopt(adopted));
    if (pod.metadata.deletionTimestamp) this.terminate();
    else this.requestReconcile();
  }

  get status(): PodStatus | undefined {
    return this.lastStatus;
  }

  get finished(): boolean {
    return this.done;
  }

  records(): ContainerRecord[] {
    return [...this.init, ...this.app];
  }

  record(name: string): ContainerRecord | undefined {
    return this.records().find((r) => r.name === name);
  }

  // ------------------------------------------------------------------------------------------
  // Inputs

  /** A newer version of the pod from sync: picks up spec changes and deletion. */
  update(pod: Pod): void {
    if (this.stopped) return;
    this.pod = pod;
    for (const [records, specs] of [
      [this.init, pod.spec.initContainers ?? []],
      [this.app, pod.spec.containers],
    ] as const) {
      for (const rec of records) {
        const spec = specs.find((c: Container) => c.name === rec.name);
        if (!spec) continue;
        const before = rec.hash;
        rec.spec = spec;
        rec.hash = containerHash(spec);
        if (before !== rec.hash && rec.current?.state === 'running') rec.forceRestart = true;
      }
    }
    if (pod.metadata.deletionTimestamp) {
      this.terminate(this.deletionGrace(pod));
      return;
    }
    const specHash = stableHash(pod.spec);
    if (specHash === this.specHash) return; // an unchanged pod needs no work (sync is idempotent)
    this.specHash = specHash;
    this.requestReconcile();
  }

  /** Stops the pod's containers gracefully, removes everything and reports removal. */
  terminate(graceSeconds = this.deletionGrace(this.pod)): void {
    if (this.done) return;
    const first = this.terminationGrace === undefined;
    this.terminationGrace = Math.min(graceSeconds, this.terminationGrace ?? graceSeconds);
    if (first) this.enqueue(() => this.doTerminate());
  }

  onContainerDied(containerId: string): void {
    this.enqueue(async () => {
      const rec = this.records().find((r) => r.current?.id === containerId);
      if (!rec?.current) return;
      if (rec.current.state === 'exited') return this.reconcile();
      const info = await this.ctx.driver.inspectContainer(containerId).catch(() => undefined);
      if (info?.state === 'running') return;
      this.markExited(rec, info);
      await this.reconcile();
    });
  }

  /** Agent shutdown: timers and probes stop, containers keep running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    for (const rec of this.records()) rec.stopProbes();
    await this.queue;
  }

  // ------------------------------------------------------------------------------------------
  // Queue and timers

  private enqueue(op: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.stopped || this.done) return;
      try {
        await op();
      } catch (err) {
        this.ctx.event(this.podEvent('Warning', 'FailedSync', `error syncing pod: ${errorText(err)}`));
        // Like the kubelet's pod worker: try again after a while instead of stalling the pod.
        if (this.terminationGrace === undefined) this.after(SYNC_ERROR_RETRY_MS);
      }
    });
  }

  private requestReconcile(): void {
    if (this.reconcilePending) return;
    this.reconcilePending = true;
    this.enqueue(async () => {
      this.reconcilePending = false;
      await this.reconcile();
    });
  }

  private after(ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.requestReconcile();
    }, ms);
    this.timers.add(timer);
  }

  /**
   * Makes sure the worker reconciles at `dueMs` (agent clock): one pending timer per slot, never
   * duplicated by repeated wake-ups, re-armed when a timer fired a little early.
   */
  private wakeAt(slot: { wakeDue?: number }, dueMs: number): void {
    const now = this.ctx.now();
    if (slot.wakeDue !== undefined && slot.wakeDue > now && slot.wakeDue <= dueMs + WAKE_SLACK_MS) return;
    slot.wakeDue = dueMs + WAKE_SLACK_MS;
    this.after(Math.max(0, dueMs - now) + WAKE_SLACK_MS);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  // ------------------------------------------------------------------------------------------
  // Reconcile: kubelet computePodActions + SyncPod, one step at a time

  private async reconcile(): Promise<void> {
    if (this.terminationGrace !== undefined || this.done) return;
    if (this.terminalPhase) return this.publish();
    this.publish();
    if (!(await this.ensureSandbox())) return this.publish();
    await this.replaceChangedContainers();

    for (const rec of this.init) {
      if (rec.succeeded) continue;
      const c = rec.current;
      if (c?.state === 'running') return this.publish();
      if (c?.state === 'exited' && this.restartPolicy === 'Never' && !rec.forceRestart) return this.publish();
      await this.startContainer(rec);
      return this.publish();
    }
    for (const rec of this.app) {
      const c = rec.current;
      if (!c || c.state === 'created' || (c.state === 'exited' && this.shouldRestart(rec))) {
        await this.startContainer(rec);
        this.publish();
      }
    }
    this.publish();
  }

  private get restartPolicy(): 'Always' | 'OnFailure' | 'Never' {
    return this.pod.spec.restartPolicy ?? 'Always';
  }

  private shouldRestart(rec: ContainerRecord): boolean {
    const c = rec.current;
    if (c?.state !== 'exited') return false;
    if (rec.forceRestart) return true;
    switch (this.restartPolicy) {
      case 'Always':
        return true;
      case 'OnFailure':
        return c.exitCode !== 0 || c.killedAsUnhealthy === true;
      default:
        return false;
    }
  }

  private async ensureSandbox(): Promise<boolean> {
    if (this.sandbox) return true;
    const key = `${this.ref.uid}/sandbox`;
    if (this.sandboxRetryAt !== undefined && this.ctx.now() < this.sandboxRetryAt) {
      this.wakeAt(this.sandboxWake, this.sandboxRetryAt);
      return false;
    }
    // The first containers' image checks run while the sandbox is created (one podman call less on the path).
    const first = this.init.length > 0 ? this.init.slice(0, 1) : this.app;
    this.earlyImageChecks = new Map(first.map((rec) => [rec.spec.image, this.checkImage(rec.spec.image)]));
    try {
      for (const v of this.pod.spec.volumes ?? []) {
        if (v.emptyDir) await mkdir(emptyDirPath(this.ctx.dataDir, this.ref.uid, v.name), { recursive: true });
      }
      const sb = await this.ctx.driver.createSandbox({
        name: sandboxName(this.ref),
        labels: podLabels(this.ctx.nodeName, this.ref),
        hostname: this.pod.spec.hostname ?? this.ref.name,
        ports: hostPortMappings(this.pod),
        hostNetwork: this.pod.spec.hostNetwork,
      });
      this.sandbox = { id: sb.id, ip: this.pod.spec.hostNetwork ? this.ctx.hostIP : sb.ip };
      this.ctx.imageBackOff.reset(key);
      return true;
    } catch (err) {
      this.earlyImageChecks.clear();
      this.ctx.event(
        this.podEvent('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorText(err)}`),
      );
      this.ctx.imageBackOff.next(key, this.ctx.now());
      this.sandboxRetryAt = this.ctx.now() + this.ctx.imageBackOff.get(key);
      this.wakeAt(this.sandboxWake, this.sandboxRetryAt);
      return false;
    }
  }

  /** Containers whose spec hash changed are killed and recreated (restartCount grows). */
  private async replaceChangedContainers(): Promise<void> {
    for (const rec of this.records()) {
      if (!rec.forceRestart || rec.current?.state !== 'running') continue;
      this.ctx.event(
        this.podEvent('Normal', 'Killing', `Container ${rec.name} definition changed, will be restarted`, rec.name),
      );
      await this.killContainer(rec, this.podGrace(), false);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Starting a container: back-off, image, config, create, start, postStart, probes

  private async startContainer(rec: ContainerRecord): Promise<void> {
    const key = `${this.ref.uid}/${rec.name}`;
    const prev = rec.current;
    if (prev?.state === 'exited' && !rec.forceRestart) {
      const finishedAt = prev.finishedAtMs ?? this.ctx.now();
      const remaining = this.ctx.crashBackOff.remainingMs(key, finishedAt);
      if (remaining > 0) {
        if (rec.backOffFor !== prev) {
          // One waiting state and one event per crash, however often the worker is woken meanwhile.
          rec.backOffFor = prev;
          const delay = goDuration(this.ctx.crashBackOff.get(key));
          rec.waiting = {
            reason: 'CrashLoopBackOff',
            message: `back-off ${delay} restarting failed container=${rec.name} pod=${formatPodRef(this.ref)}`,
          };
          this.ctx.event(
            this.podEvent(
              'Warning',
              'BackOff',
              `Back-off restarting failed container ${rec.name} in pod ${formatPodRef(this.ref)}`,
              rec.name,
            ),
          );
        }
        this.wakeAt(rec, this.ctx.now() + remaining);
        return;
      }
      this.ctx.crashBackOff.next(key, finishedAt);
    }
    if (rec.retryAt !== undefined && this.ctx.now() < rec.retryAt) {
      // A retry is scheduled: nothing new to try (repeated syncs must not add events or timers).
      if (rec.waiting?.reason === 'ErrImagePull') {
        rec.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${rec.spec.image}"` };
        this.ctx.event(this.podEvent('Normal', 'BackOff', rec.waiting.message!, rec.name));
      }
      this.wakeAt(rec, rec.retryAt);
      return;
    }
    rec.retryAt = undefined;
    const image = await this.ensureImage(rec);
    if (!image) return;

    const attempt = Math.max(rec.nextAttempt(), (rec.previous?.attempt ?? -1) + 1);
    let config: ContainerConfig;
    try {
      config = buildContainerConfig({
        pod: this.pod,
        container: rec.spec,
        kind: rec.kind,
        attempt,
        sandboxId: this.sandbox!.id,
        nodeName: this.ctx.nodeName,
        dataDir: this.ctx.dataDir,
        env: {
          pod: this.pod,
          podIP: this.sandbox?.ip,
          hostIP: this.ctx.hostIP,
          nodeAllocatable: this.ctx.nodeAllocatable,
          serviceEnv: this.ctx.serviceEnv?.(this.pod.metadata.namespace ?? 'default'),
        },
        stopTimeoutSeconds: this.podGrace(),
      });
    } catch (err) {
      return this.failStart(rec, 'CreateContainerConfigError', errorText(err));
    }

    let id: string;
    try {
      id = await this.ctx.driver.createContainer(config);
    } catch (err) {
      return this.failStart(rec, 'CreateContainerError', errorText(err));
    }
    // The instance before the previous one is not needed any more (kubelet keeps one dead container).
    if (rec.previous) await this.ctx.driver.removeContainer(rec.previous.id).catch(() => undefined);
    if (rec.current) rec.previous = rec.current;
    rec.current = { id, attempt, state: 'created', killedByAgent: false, memoryLimitBytes: config.memoryLimitBytes };
    rec.waiting = undefined;
    rec.forceRestart = false;
    rec.started = false;
    this.ctx.event(this.podEvent('Normal', 'Created', `Created container ${rec.name}`, rec.name));

    try {
      await this.ctx.driver.startContainer(id);
    } catch (err) {
      const info = await this.ctx.driver.inspectContainer(id).catch(() => undefined);
      this.markExited(rec, info ?? undefined);
      rec.current.exitCode = info?.exitCode || 128;
      rec.current.reason = 'StartError';
      rec.current.message = errorText(err);
      rec.waiting = { reason: 'RunContainerError', message: errorText(err) };
      this.ctx.event(this.podEvent('Warning', 'Failed', `Error: ${errorText(err)}`, rec.name));
      const sandbox = await this.ctx.driver.inspectSandbox(this.sandbox!.id).catch(() => undefined);
      if (sandbox?.state !== 'running') await this.recreateSandbox();
      this.after(0);
      return;
    }
    // podman restarts a stopped sandbox's infra on demand, possibly with a new IP: re-read it on restarts.
    if (prev && !this.pod.spec.hostNetwork) {
      const sandbox = await this.ctx.driver.inspectSandbox(this.sandbox!.id).catch(() => undefined);
      if (sandbox?.ip) this.sandbox!.ip = sandbox.ip;
    }
    // With the image id known there is nothing to ask the runtime: start just returned, and a
    // container that dies at once is reported by its died event (which inspects it).
    const info = image.id ? undefined : await this.ctx.driver.inspectContainer(id).catch(() => undefined);
    rec.current.startedAtMs = info?.startedAt ? Date.parse(info.startedAt) : this.ctx.now();
    rec.current.imageId = image.id ?? info?.imageId;
    this.ctx.event(this.podEvent('Normal', 'Started', `Started container ${rec.name}`, rec.name));

    const postStart = rec.spec.lifecycle?.postStart;
    if (postStart) {
      const outcome = await this.runHook(rec, postStart, POST_START_TIMEOUT_MS);
      if (outcome !== undefined) {
        const message = `PostStartHook failed: ${outcome}`;
        this.ctx.event(this.podEvent('Warning', 'FailedPostStartHook', message, rec.name));
        rec.current.message = message;
        await this.killContainer(rec, this.podGrace(), false, true);
        return;
      }
    }
    if (info && info.state === 'exited') {
      this.markExited(rec, info);
      this.after(0);
      return;
    }
    if (rec.current.state !== 'created') return; // died while the hook ran
    rec.current.state = 'running';
    this.startProbes(rec);
  }

  private failStart(rec: ContainerRecord, reason: string, message: string): void {
    const key = `${this.ref.uid}/${rec.name}/start`;
    rec.waiting = { reason, message };
    this.ctx.event(this.podEvent('Warning', 'Failed', `Error: ${message}`, rec.name));
    this.retryLater(rec, key);
  }

  /** Schedules the next attempt of a failed start step (image, config, create) after its back-off. */
  private retryLater(rec: ContainerRecord, key: string): number {
    this.ctx.imageBackOff.next(key, this.ctx.now());
    const delay = this.ctx.imageBackOff.get(key);
    rec.retryAt = this.ctx.now() + delay;
    this.wakeAt(rec, rec.retryAt);
    return delay;
  }

  /** Whether the image is present, with its id when the driver tells it in the same call. */
  private async checkImage(image: string): Promise<ImageCheck> {
    const { driver } = this.ctx;
    if (!driver.imageId) return { present: await driver.imageExists(image).catch(() => false) };
    const id = await driver.imageId(image).catch(() => undefined);
    return { present: id !== undefined, id };
  }

  /**
   * imagePullPolicy handling; undefined (with a waiting reason and a retry timer) when the image is
   * not usable, else the image id when it is already known.
   */
  private async ensureImage(rec: ContainerRecord): Promise<{ id?: string } | undefined> {
    const image = rec.spec.image;
    const key = `${this.ref.uid}/${rec.name}/image`;
    const early = this.earlyImageChecks.get(image);
    this.earlyImageChecks.delete(image);
    const check = await (early ?? this.checkImage(image));
    const action = imageAction(rec.spec, check.present);
    if (action === 'use') {
      this.ctx.event(
        this.podEvent('Normal', 'Pulled', `Container image "${image}" already present on machine`, rec.name),
      );
      return { id: check.id };
    }
    if (action === 'never') {
      rec.waiting = {
        reason: 'ErrImageNeverPull',
        message: `Container image "${image}" is not present with pull policy of Never`,
      };
      this.ctx.event(this.podEvent('Warning', 'ErrImageNeverPull', rec.waiting.message!, rec.name));
      this.retryLater(rec, key);
      return undefined;
    }
    this.ctx.event(this.podEvent('Normal', 'Pulling', `Pulling image "${image}"`, rec.name));
    try {
      await this.ctx.driver.pullImage(image);
      this.ctx.imageBackOff.reset(key);
      this.ctx.event(this.podEvent('Normal', 'Pulled', `Successfully pulled image "${image}"`, rec.name));
      return {};
    } catch (err) {
      const message = `Failed to pull image "${image}": ${errorText(err)}`;
      rec.waiting = { reason: 'ErrImagePull', message };
      this.ctx.event(this.podEvent('Warning', 'Failed', message, rec.name));
      const delay = this.retryLater(rec, key);
      // Come back while the back-off runs so the container shows ImagePullBackOff, like the kubelet.
      this.after(Math.min(1000, delay / 2));
      return undefined;
    }
  }

  private markExited(rec: ContainerRecord, info: ContainerInfo | undefined): void {
    if (!rec.current) return;
    applyExit(rec.current, info, this.ctx.now());
    rec.stopProbes();
    rec.started = false;
  }

  // ------------------------------------------------------------------------------------------
  // Probes

  private startProbes(rec: ContainerRecord): void {
    rec.stopProbes();
    const startup = rec.spec.startupProbe;
    if (startup) this.startProbe(rec, 'startup');
    else this.onStarted(rec);
  }

  private onStarted(rec: ContainerRecord): void {
    rec.started = true;
    rec.probes.get('startup')?.stop();
    rec.probes.delete('startup');
    if (rec.spec.livenessProbe) this.startProbe(rec, 'liveness');
    if (rec.spec.readinessProbe) this.startProbe(rec, 'readiness');
  }

  private startProbe(rec: ContainerRecord, kind: ProbeKind): void {
    const probe =
      kind === 'startup'
        ? rec.spec.startupProbe!
        : kind === 'liveness'
          ? rec.spec.livenessProbe!
          : rec.spec.readinessProbe!;
    const instance = rec.current!;
    const label = `${kind[0].toUpperCase()}${kind.slice(1)}`;
    const runner = new ProbeRunner(kind, probe, {
      run: (timeoutMs) =>
        runHandler(
          probe,
          { driver: this.ctx.driver, containerId: instance.id, container: rec.spec, podIP: this.sandbox?.ip },
          timeoutMs,
        ),
      onOutcome: (outcome) => {
        if (outcome.result !== 'failure') return;
        this.ctx.event(this.podEvent('Warning', 'Unhealthy', `${label} probe failed: ${outcome.message}`, rec.name));
      },
      onChange: (result) =>
        this.enqueue(async () => {
          if (rec.current !== instance || instance.state !== 'running') return;
          if (kind === 'readiness') return this.publish();
          if (kind === 'startup' && result === 'success') {
            this.onStarted(rec);
            return this.publish();
          }
          if (result !== 'failure') return;
          const verb = kind === 'startup' ? 'startup' : 'liveness';
          this.ctx.event(
            this.podEvent(
              'Normal',
              'Killing',
              `Container ${rec.name} failed ${verb} probe, will be restarted`,
              rec.name,
            ),
          );
          const grace = probe.terminationGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds;
          await this.killContainer(rec, grace ?? DEFAULT_GRACE_SECONDS, false, true);
          await this.reconcile();
        }),
    });
    rec.probes.set(kind, runner);
    runner.start(instance.startedAtMs ?? this.ctx.now(), this.ctx.now());
  }

  // ------------------------------------------------------------------------------------------
  // Stopping

  /**
   * kubelet killContainer: preStop (if grace > 0), SIGTERM, SIGKILL after the remaining grace.
   * `exactGrace` (deletion) uses the grace as given; other kills get at least 2 s.
   */
  private async killContainer(rec: ContainerRecord, graceSeconds: number, exactGrace: boolean, unhealthy = false) {
    const c = rec.current;
    if (!c || c.state === 'exited') return;
    c.killedByAgent = true;
    if (unhealthy) c.killedAsUnhealthy = true;
    rec.stopProbes();
    let grace = graceSeconds;
    const preStop = rec.spec.lifecycle?.preStop;
    if (preStop && grace > 0 && c.state === 'running') {
      const started = this.ctx.now();
      const failure = await this.runHook(rec, preStop, grace * 1000);
      if (failure !== undefined) {
        this.ctx.event(this.podEvent('Warning', 'FailedPreStopHook', `PreStopHook failed: ${failure}`, rec.name));
      }
      grace -= Math.floor((this.ctx.now() - started) / 1000);
    }
    if (!exactGrace && grace < MIN_GRACE_SECONDS) grace = MIN_GRACE_SECONDS;
    if (exactGrace && grace < 0) grace = 0;
    if (exactGrace && grace === 0 && preStop && graceSeconds > 0) grace = MIN_GRACE_SECONDS;
    try {
      await this.ctx.driver.stopContainer(c.id, grace);
    } catch (err) {
      this.ctx.event(this.podEvent('Warning', 'FailedKillPod', `error killing container: ${errorText(err)}`, rec.name));
    }
    const info = await this.ctx.driver.inspectContainer(c.id).catch(() => undefined);
    this.markExited(rec, info);
  }

  /** Runs a lifecycle handler; undefined on success, else the failure text. */
  private async runHook(
    rec: ContainerRecord,
    handler: LifecycleHandler,
    timeoutMs: number,
  ): Promise<string | undefined> {
    const c = rec.current!;
    const outcome = await runHandler(
      handler,
      { driver: this.ctx.driver, containerId: c.id, container: rec.spec, podIP: this.sandbox?.ip },
      timeoutMs,
    );
    return outcome.result === 'success' ? undefined : outcome.message || 'hook failed';
  }

  private deletionGrace(pod: Pod): number {
    return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  }

  private podGrace(): number {
    return this.pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  }

  /**
   * The sandbox stopped under the pod (kubelet: "Pod sandbox changed, it will be killed and
   * re-created"): its containers go with it, init containers run again in a new one.
   */
  private async recreateSandbox(): Promise<void> {
    if (!this.sandbox) return;
    this.ctx.event(this.podEvent('Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.'));
    for (const rec of this.app) {
      if (rec.current && rec.current.state !== 'exited') {
        rec.current.killedByAgent = true;
        this.markExited(rec, undefined);
      }
      rec.previous = undefined;
    }
    for (const rec of this.init) {
      rec.stopProbes();
      rec.current = undefined;
      rec.previous = undefined;
      rec.waiting = undefined;
    }
    await this.ctx.driver.removeSandbox(this.sandbox.id).catch(() => undefined);
    this.sandbox = undefined;
  }

  private async doTerminate(): Promise<void> {
    this.clearTimers();
    const grace = this.terminationGrace ?? this.deletionGrace(this.pod);
    this.ctx.event(this.podEvent('Normal', 'Killing', `Stopping pod (grace period ${grace}s)`));
    await Promise.all(this.records().map((rec) => this.killContainer(rec, grace, true)));
    for (const rec of this.records()) if (rec.waiting && rec.current?.state !== 'exited') rec.waiting = undefined;
    this.publish(true);
    try {
      await this.removeRuntimeObjects();
    } catch (err) {
      // Removal is confirmed only when it happened: retry until the runtime lets go.
      this.ctx.event(this.podEvent('Warning', 'FailedKillPod', `error removing pod: ${errorText(err)}`));
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(() => this.doTerminate());
      }, SYNC_ERROR_RETRY_MS);
      this.timers.add(timer);
      return;
    }
    this.done = true;
    this.ctx.removed(this.ref);
  }

  private async removeRuntimeObjects(): Promise<void> {
    const { driver } = this.ctx;
    for (const rec of this.records()) {
      for (const inst of [rec.previous, rec.current])
        if (inst) await driver.removeContainer(inst.id).catch(() => undefined);
    }
    // Anything else labelled with this pod (e.g. left over from before an agent restart).
    const leftovers = await driver.listContainers({ [LABELS.podUid]: this.ref.uid, [LABELS.node]: this.ctx.nodeName });
    for (const c of leftovers) await driver.removeContainer(c.id).catch(() => undefined);
    const sandboxes = await driver.listSandboxes({ [LABELS.podUid]: this.ref.uid, [LABELS.node]: this.ctx.nodeName });
    for (const sb of sandboxes) await driver.removeSandbox(sb.id).catch(() => undefined);
    if (this.sandbox && !sandboxes.some((s) => s.id === this.sandbox?.id)) {
      await driver.removeSandbox(this.sandbox.id).catch(() => undefined);
    }
    await rm(podDataDir(this.ctx.dataDir, this.ref.uid), { recursive: true, force: true });
  }

  // ------------------------------------------------------------------------------------------
  // Adoption

  private async adopt(objects: AdoptedObjects): Promise<void> {
    const { driver } = this.ctx;
    const sandbox = objects.sandboxes.find((s) => s.state === 'running');
    for (const sb of objects.sandboxes) if (sb !== sandbox) await driver.removeSandbox(sb.id).catch(() => undefined);
    const attemptOf = (c: ContainerInfo) => Number(c.labels[LABELS.attempt] ?? 0);
    if (!sandbox) {
      // The sandbox is gone (e.g. host reboot): app containers keep their attempt numbers and
      // restart per policy in a new sandbox; init containers run again, as after a pod restart.
      for (const rec of this.app) {
        const newest = objects.containers
          .filter((c) => c.labels[LABELS.container] === rec.name && c.labels[LABELS.containerKind] === 'app')
          .sort((a, b) => attemptOf(b) - attemptOf(a))[0];
        if (!newest) continue;
        rec.current = instanceFromInfo(newest, attemptOf(newest));
        rec.current.killedByAgent = rec.current.state !== 'exited';
        if (rec.current.state !== 'exited') applyExit(rec.current, undefined, this.ctx.now());
      }
      for (const c of objects.containers) await driver.removeContainer(c.id).catch(() => undefined);
      return;
    }
    this.sandbox = { id: sandbox.id, ip: this.pod.spec.hostNetwork ? this.ctx.hostIP : sandbox.ip };
    if (sandbox.createdAt && !this.pod.status?.startTime) this.startTime = kubeTime(sandbox.createdAt);
    const claimed = new Set<string>();
    for (const rec of this.records()) {
      const mine = objects.containers
        .filter((c) => c.labels[LABELS.container] === rec.name && c.labels[LABELS.containerKind] === rec.kind)
        .sort((a, b) => attemptOf(b) - attemptOf(a));
      const [newest, before] = mine;
      if (!newest) continue;
      claimed.add(newest.id);
      if (before) claimed.add(before.id);
      rec.current = instanceFromInfo(newest, attemptOf(newest));
      if (before) rec.previous = instanceFromInfo(before, attemptOf(before));
      if (newest.labels[LABELS.specHash] !== rec.hash && newest.state === 'running') rec.forceRestart = true;
      if (rec.current.state === 'created') {
        await driver.removeContainer(newest.id).catch(() => undefined);
        rec.current = rec.previous;
        rec.previous = undefined;
      } else if (rec.current.state === 'running' && !rec.forceRestart) {
        this.startProbes(rec);
      }
    }
    for (const c of objects.containers)
      if (!claimed.has(c.id)) await driver.removeContainer(c.id).catch(() => undefined);
  }

  // ------------------------------------------------------------------------------------------
  // Status

  private publish(podIsTerminal = false): void {
    const hasInit = this.init.length > 0;
    const runtime = this.ctx.driver.name;
    const initStatuses = this.init.map((r) => r.status(runtime, 'PodInitializing'));
    const statuses = this.app.map((r) => r.status(runtime, hasInit ? 'PodInitializing' : 'ContainerCreating'));
    const phase = this.terminalPhase ?? podPhase(this.pod.spec, initStatuses, statuses, podIsTerminal);
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.terminalPhase = phase;
      for (const rec of this.records()) if (rec.current?.state !== 'running') rec.stopProbes();
    }
    const conditions = withTransitionTimes(
      podConditions({ spec: this.pod.spec, initStatuses, statuses, phase, sandboxReady: !!this.sandbox }),
      this.lastStatus?.conditions ?? this.pod.status?.conditions,
      kubeTime(this.ctx.now()),
    );
    const status: PodStatus = { phase, conditions };
    status.hostIP = this.ctx.hostIP;
    status.hostIPs = [{ ip: this.ctx.hostIP }];
    if (this.sandbox?.ip) {
      status.podIP = this.sandbox.ip;
      status.podIPs = [{ ip: this.sandbox.ip }];
    }
    status.startTime = this.startTime;
    if (hasInit) status.initContainerStatuses = initStatuses;
    status.containerStatuses = statuses;
    status.qosClass = qosClass(this.pod);
    const json = JSON.stringify(status);
    if (json === this.lastStatusJson) return;
    this.lastStatusJson = json;
    this.lastStatus = status;
    this.ctx.publish(this, status);
  }

  private podEvent(type: 'Normal' | 'Warning', reason: string, message: string, container?: string): PodEvent {
    const event: PodEvent = { ...this.ref, type, reason, message, time: kubeTime(this.ctx.now()) };
    if (container)
      event.fieldPath = `spec.${this.init.some((r) => r.name === container) ? 'initContainers' : 'containers'}{${container}}`;
    return event;
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
