import path from 'node:path';
import { type Container, cpuToMilli, memoryToBytes, type Pod, stableHash } from '@peapod/core';
import { type ContainerConfig, LABELS, type Mount, type PortMapping } from '../runtime/driver.js';
import { ContainerConfigError, type EnvContext, expandVariables, resolveEnv } from './env.js';

/**
 * Translation of a pod's containers to runtime objects: names, labels (how the agent finds its own
 * after a restart), spec hash, mounts of emptyDir/hostPath volumes, limits and host ports.
 */
export type ContainerKind = 'init' | 'app';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export function podRef(pod: Pod): PodRef {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

/** Hash of a container spec: a changed hash means the container must be replaced. */
export function containerHash(container: Container): string {
  return stableHash(container);
}

export function podLabels(nodeName: string, ref: PodRef): Record<string, string> {
  return {
    [LABELS.node]: nodeName,
    [LABELS.namespace]: ref.namespace,
    [LABELS.podName]: ref.name,
    [LABELS.podUid]: ref.uid,
  };
}

/** Runtime names must match `[a-zA-Z0-9][a-zA-Z0-9_.-]*` and be unique. */
export function sandboxName(ref: PodRef): string {
  return `k8s_POD_${ref.name}_${ref.namespace}_${ref.uid.slice(0, 8)}`;
}

export function runtimeContainerName(ref: PodRef, container: string, attempt: number): string {
  return `k8s_${container}_${ref.name}_${ref.namespace}_${ref.uid.slice(0, 8)}_${attempt}`;
}

export function hostPortMappings(pod: Pod): PortMapping[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => (p.hostPort ?? 0) > 0)
      .map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort!,
        hostIP: p.hostIP,
        protocol: (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'],
      })),
  );
}

/** Host directory of an emptyDir volume: `<dataDir>/pods/<uid>/volumes/<name>`. */
export function podDataDir(dataDir: string, uid: string): string {
  return path.join(dataDir, 'pods', uid);
}

export function emptyDirPath(dataDir: string, uid: string, volume: string): string {
  return path.join(podDataDir(dataDir, uid), 'volumes', volume);
}

export function containerMounts(pod: Pod, container: Container, dataDir: string): Mount[] {
  const uid = pod.metadata.uid ?? '';
  return (container.volumeMounts ?? []).map((m) => {
    const volume = pod.spec.volumes?.find((v) => v.name === m.name);
    let hostPath: string;
    if (volume?.emptyDir) hostPath = emptyDirPath(dataDir, uid, volume.name);
    else if (volume?.hostPath) hostPath = volume.hostPath.path;
    else throw new ContainerConfigError(`volume "${m.name}" not found or of an unsupported type`);
    if (m.subPath) hostPath = path.join(hostPath, m.subPath);
    return { hostPath, containerPath: m.mountPath, readOnly: m.readOnly };
  });
}

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  kind: ContainerKind;
  attempt: number;
  sandboxId: string;
  nodeName: string;
  dataDir: string;
  env: EnvContext;
  stopTimeoutSeconds: number;
}

/** Builds the runtime config; throws ContainerConfigError for what Kubernetes calls CreateContainerConfigError. */
export function buildContainerConfig(input: ContainerConfigInput): ContainerConfig {
  const { pod, container } = input;
  const ref = podRef(pod);
  const env = resolveEnv(container, input.env);
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  return {
    name: runtimeContainerName(ref, container.name, input.attempt),
    sandboxId: input.sandboxId,
    image: container.image,
    command: container.command?.map((s) => expandVariables(s, env)),
    args: container.args?.map((s) => expandVariables(s, env)),
    env,
    workingDir: container.workingDir,
    labels: {
      ...podLabels(input.nodeName, ref),
      [LABELS.container]: container.name,
      [LABELS.specHash]: containerHash(container),
      [LABELS.containerKind]: input.kind,
      [LABELS.attempt]: String(input.attempt),
    },
    mounts: containerMounts(pod, container, input.dataDir),
    memoryLimitBytes: limits.memory ? memoryToBytes(limits.memory) : undefined,
    cpuLimitMilli: limits.cpu ? cpuToMilli(limits.cpu) : undefined,
    cpuRequestMilli: requests.cpu ? cpuToMilli(requests.cpu) : undefined,
    stdin: container.stdin,
    tty: container.tty,
    stopTimeoutSeconds: input.stopTimeoutSeconds,
  };
}
