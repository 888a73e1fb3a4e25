import type { ContainerInfo, Sandbox } from './driver.js';
import { normalizeTime } from './event-dedupe.js';
import { containerInfoFromPodman, containerIp, runtimeState } from './podman-inspect.js';

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

/**
 * Podman's inspect JSON is Docker-shaped; Docker differs only in a leading `/` on names and in
 * keeping the image reference under `Config.Image`.
 */
export function containerInfoFromDocker(c: DockerContainerJson): ContainerInfo {
  return containerInfoFromPodman({ ...c, Name: c.Name.replace(/^\//, ''), ImageName: c.Config?.Image ?? c.Image });
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
