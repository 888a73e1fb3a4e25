import type { ContainerStatus, PodCondition, PodPhase, PodSpec, RestartPolicy } from '@peapod/core';

/**
 * Pure pod status derivation, following the kubelet (k8s-semantics §3.1–§3.4): `getPhase`, the
 * Initialized / ContainersReady / Ready conditions and lastTransitionTime bookkeeping.
 */

function lastTerminationExitCode(s: ContainerStatus): number | undefined {
  return s.lastState?.terminated?.exitCode;
}

/** kubelet `getPhase` (k8s-semantics §3.2). `podIsTerminal`: the pod is being deleted and has stopped. */
export function podPhase(
  spec: Pick<PodSpec, 'containers' | 'initContainers' | 'restartPolicy'>,
  initStatuses: ContainerStatus[],
  statuses: ContainerStatus[],
  podIsTerminal: boolean,
): PodPhase {
  const restartPolicy: RestartPolicy = spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === c.name);
    if (!s?.state) {
      pendingInit++;
      continue;
    }
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting) {
      const last = lastTerminationExitCode(s);
      if (last === undefined) pendingInit++;
      else if (last !== 0) failedInit++;
    }
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.containers) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s?.state) {
      unknown++;
      continue;
    }
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  const anyAppStarted = running > 0 || stopped > 0;
  if ((pendingInit > 0 && !anyAppStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Go's fmt of a []string: `[a b]`. */
function goList(names: string[]): string {
  return `[${names.join(' ')}]`;
}

export interface ConditionInput {
  spec: Pick<PodSpec, 'containers' | 'initContainers'>;
  initStatuses: ContainerStatus[];
  statuses: ContainerStatus[];
  phase: PodPhase;
  /** Sandbox created and its network set up. */
  sandboxReady: boolean;
}

type Condition = Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>;

function initializedCondition({ spec, initStatuses, statuses, phase }: ConditionInput): Condition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (s.state?.terminated?.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) {
    return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  }
  const anyRegularStarted = statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if (anyRegularStarted) return { type: 'Initialized', status: 'True' };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (messages.length > 0) {
    return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: messages.join(', ') };
  }
  return { type: 'Initialized', status: 'True' };
}

function containersReadyCondition({ spec, statuses, phase }: ConditionInput): Condition {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of spec.containers) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if ((phase === 'Succeeded' && unknown.length === 0) || phase === 'Failed') {
    return {
      type: 'ContainersReady',
      status: 'False',
      reason: phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed',
    };
  }
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length > 0) {
    return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  }
  return { type: 'ContainersReady', status: 'True' };
}

/**
 * The conditions the agent owns, in the order the kubelet reports them, plus PodScheduled (the pod
 * is on this node, so it was scheduled).
 */
export function podConditions(input: ConditionInput): Condition[] {
  const containersReady = containersReadyCondition(input);
  const ready: Condition = { ...containersReady, type: 'Ready' };
  return [
    { type: 'PodReadyToStartContainers', status: input.sandboxReady ? 'True' : 'False' },
    initializedCondition(input),
    ready,
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];
}

/** Stamps conditions: lastTransitionTime changes only when a condition's status changes. */
export function withTransitionTimes(
  next: Condition[],
  previous: PodCondition[] | undefined,
  now: string,
): PodCondition[] {
  return next.map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    const lastTransitionTime =
      prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { ...c, lastProbeTime: null, lastTransitionTime };
  });
}

/** Kubernetes timestamps (metav1.Time) have second precision: `2026-11-27T13:50:00Z`. */
export function kubeTime(value: number | string | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** kubectl's pod reference format `name_namespace(uid)` used in kubelet messages. */
export function formatPodRef(pod: { name: string; namespace: string; uid: string }): string {
  return `${pod.name}_${pod.namespace}(${pod.uid})`;
}
