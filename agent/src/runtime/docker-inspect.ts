import type { ContainerInfo, Sandbox } from './driver.js';
import { normalizeTime } from './event-dedupe.js';
import { containerIp, runtimeState } from './podman-inspect.js';

/** The fields of Docker's `GET /containers/<id>/json` the driver reads. */
export interface DockerContainerJson {
  Id: string;
  Name: string;
  Created?: string;
  Image?: string;
  Config?: { Image?: string; Hostname?: string; Labels?: Record<string, string> | null; Tty?: boolean };
  State?: { Status?: string; ExitCode?: number; OOMKilled?: boolean; StartedAt?: string; FinishedAt?: string };
  HostConfig?: { Memory?: number; NetworkMode?: string };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> | null };
}

export function containerInfoFromDocker(c: DockerContainerJson): ContainerInfo {
  const state = runtimeState(c.State?.Status);
  const info: ContainerInfo = {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config?.Image ?? c.Image ?? '',
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

/** A Docker-style sandbox is its infra container. */
export function sandboxFromDocker(infra: DockerContainerJson): Sandbox {
  return {
    id: infra.Id,
    name: infra.Name.replace(/^\//, ''),
    labels: infra.Config?.Labels ?? {},
    state: runtimeState(infra.State?.Status),
    ip: containerIp(infra),
    createdAt: normalizeTime(infra.Created),
  };
}
