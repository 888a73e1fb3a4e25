import { DockerDriver, type DockerDriverOptions } from './docker.js';
import type { RuntimeDriver } from './driver.js';
import { PodmanDriver, type PodmanDriverOptions } from './podman.js';

export type RuntimeName = 'podman' | 'docker';

export interface RuntimeDriverOptions {
  podman?: PodmanDriverOptions;
  /** `socketPath` defaults to /var/run/docker.sock (or DOCKER_HOST when it is a unix:// URL). */
  docker?: Partial<DockerDriverOptions>;
}

/** Builds the runtime driver the agent is configured with. */
export function createRuntimeDriver(name: RuntimeName, options: RuntimeDriverOptions = {}): RuntimeDriver {
  switch (name) {
    case 'podman':
      return new PodmanDriver(options.podman);
    case 'docker':
      return new DockerDriver({ ...options.docker, socketPath: options.docker?.socketPath ?? defaultDockerSocket() });
    default:
      throw new Error(`unknown container runtime "${name as string}" (expected podman or docker)`);
  }
}

function defaultDockerSocket(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}
