import type { ContainerConfig, SandboxConfig } from './driver.js';
import { cpuShares, withOwnerLabels } from './labels.js';

/** The pause image and command a Docker-style sandbox's infra container runs. */
export interface PauseImage {
  image: string;
  /** Entrypoint override; undefined keeps the image's own. */
  entrypoint?: string[];
}

/** podman's locally built pause image (no registry needed) or the Kubernetes one on real Docker. */
export function defaultPauseImage(server: { version: string; isPodman: boolean }): PauseImage {
  if (server.isPodman) return { image: `localhost/podman-pause:${server.version}-0`, entrypoint: ['/catatonit', '-P'] };
  return { image: 'registry.k8s.io/pause:3.9' };
}

/** `POST /containers/create` body of a sandbox's infra container (holds netns and published ports). */
export function infraCreateBody(config: SandboxConfig, pause: PauseImage): Record<string, unknown> {
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  const exposed: Record<string, object> = {};
  if (!config.hostNetwork) {
    for (const p of config.ports.filter((port) => port.hostPort > 0)) {
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      portBindings[key] = [...(portBindings[key] ?? []), { HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) }];
    }
  }
  return {
    Image: pause.image,
    ...(pause.entrypoint ? { Entrypoint: pause.entrypoint } : {}),
    Labels: withOwnerLabels(config.labels, 'infra'),
    ...(config.hostname && !config.hostNetwork ? { Hostname: config.hostname } : {}),
    ExposedPorts: exposed,
    StopTimeout: 0,
    HostConfig: {
      NetworkMode: config.hostNetwork ? 'host' : 'bridge',
      // Docker's default IPC mode is private; containers can join only a shareable one.
      IpcMode: 'shareable',
      PortBindings: portBindings,
      RestartPolicy: { Name: 'no' },
    },
  };
}

/** `POST /containers/create` body of an app/init container joining the sandbox's namespaces. */
export function containerCreateBody(
  config: ContainerConfig,
  options: { hostname?: string } = {},
): Record<string, unknown> {
  const hasCommand = config.command !== undefined && config.command.length > 0;
  const hasArgs = config.args !== undefined && config.args.length > 0;
  const hostConfig: Record<string, unknown> = {
    NetworkMode: `container:${config.sandboxId}`,
    IpcMode: `container:${config.sandboxId}`,
    Mounts: config.mounts.map((m) => ({
      Type: 'bind',
      Source: m.hostPath,
      Target: m.containerPath,
      ReadOnly: m.readOnly ?? false,
    })),
    RestartPolicy: { Name: 'no' },
  };
  if (config.memoryLimitBytes !== undefined && config.memoryLimitBytes > 0) {
    hostConfig.Memory = config.memoryLimitBytes;
    hostConfig.MemorySwap = config.memoryLimitBytes;
  }
  if (config.cpuLimitMilli !== undefined && config.cpuLimitMilli > 0) hostConfig.NanoCpus = config.cpuLimitMilli * 1e6;
  if (config.cpuRequestMilli !== undefined) hostConfig.CpuShares = cpuShares(config.cpuRequestMilli);
  return {
    Image: config.image,
    // Kubernetes command → Entrypoint (which drops the image Cmd), args → Cmd.
    ...(hasCommand ? { Entrypoint: config.command } : {}),
    ...(hasArgs ? { Cmd: config.args } : hasCommand ? { Cmd: [] } : {}),
    Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
    ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
    ...(options.hostname ? { Hostname: options.hostname } : {}),
    Labels: withOwnerLabels(config.labels),
    Tty: config.tty ?? false,
    OpenStdin: config.stdin ?? false,
    StopTimeout: config.stopTimeoutSeconds ?? 0,
    HostConfig: hostConfig,
  };
}

/** `name:tag` for a pull (an untagged reference would make Docker pull every tag). */
export function pullReference(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  if (image.includes('@') || tail.includes(':')) return image;
  return `${image}:latest`;
}
