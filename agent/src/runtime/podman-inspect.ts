import type { ContainerInfo, ContainerRuntimeState, Sandbox } from './driver.js';
import { normalizeTime } from './event-dedupe.js';

/** The fields of `podman container inspect` the driver reads. */
export interface PodmanContainerJson {
  Id: string;
  Name: string;
  Created?: string;
  Image?: string;
  ImageName?: string;
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config?: { Labels?: Record<string, string> | null };
  HostConfig?: { Memory?: number };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> | null };
}

/** The fields of `podman pod inspect` / `podman pod ps --format json` the driver reads. */
export interface PodmanPodJson {
  Id: string;
  Name: string;
  Created?: string;
  Labels?: Record<string, string> | null;
  InfraContainerID?: string;
  InfraId?: string;
}

/** podman/docker state words → the driver's four states. */
export function runtimeState(status: string | undefined): ContainerRuntimeState {
  switch ((status ?? '').toLowerCase()) {
    case 'created':
    case 'configured':
    case 'initialized':
      return 'created';
    case 'running':
    case 'paused':
    case 'stopping':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'stopped':
    case 'dead':
    case 'removing':
      return 'exited';
    default:
      return 'unknown';
  }
}

export function containerInfoFromPodman(c: PodmanContainerJson): ContainerInfo {
  const state = runtimeState(c.State?.Status);
  const info: ContainerInfo = {
    id: c.Id,
    name: c.Name,
    image: c.ImageName ?? c.Image ?? '',
    imageId: c.Image,
    labels: c.Config?.Labels ?? {},
    state,
    oomKilled: c.State?.OOMKilled ?? false,
    createdAt: normalizeTime(c.Created),
    startedAt: normalizeTime(c.State?.StartedAt),
    finishedAt: normalizeTime(c.State?.FinishedAt),
  };
  if (state === 'exited') info.exitCode = c.State?.ExitCode ?? 0;
  if (c.HostConfig?.Memory) info.memoryLimitBytes = c.HostConfig.Memory;
  return info;
}

/** First IP of a container's networks (the top-level IPAddress is empty for pod containers). */
export function containerIp(c: PodmanContainerJson | undefined): string | undefined {
  if (!c) return undefined;
  for (const net of Object.values(c.NetworkSettings?.Networks ?? {})) if (net?.IPAddress) return net.IPAddress;
  return c.NetworkSettings?.IPAddress || undefined;
}

export function sandboxFromPodman(pod: PodmanPodJson, infra: PodmanContainerJson | undefined): Sandbox {
  return {
    id: pod.Id,
    name: pod.Name,
    labels: pod.Labels ?? {},
    state: infra ? runtimeState(infra.State?.Status) : 'unknown',
    ip: containerIp(infra),
    createdAt: normalizeTime(pod.Created),
  };
}
