import type { ContainerConfig, PortMapping, SandboxConfig } from './driver.js';
import { cpuShares, withOwnerLabels } from './labels.js';

/** `-p` value: `[hostIP:]hostPort:containerPort/proto` (IPv6 host IPs in brackets). */
export function publishArg(port: PortMapping): string {
  const ip = port.hostIP && port.hostIP !== '0.0.0.0' ? port.hostIP : '';
  const host = ip ? `${ip.includes(':') ? `[${ip}]` : ip}:` : '';
  return `${host}${port.hostPort}:${port.containerPort}/${port.protocol.toLowerCase()}`;
}

export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

export function labelFilterArgs(filter: Record<string, string>): string[] {
  return Object.entries(filter).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
}

/** The labels a sandbox's podman pod carries. */
export function podLabels(config: SandboxConfig): Record<string, string> {
  return withOwnerLabels(config.labels, 'infra');
}

/** The name of a sandbox's infra container: known in advance, so it can be inspected without `pod inspect`. */
export function infraContainerName(sandboxName: string): string {
  return `${sandboxName}-infra`;
}

/** Arguments of `podman pod create` for a sandbox (infra container from podman's local pause image). */
export function podCreateArgs(config: SandboxConfig): string[] {
  const args = ['pod', 'create', '--name', config.name, '--infra-name', infraContainerName(config.name)];
  args.push(...labelArgs(podLabels(config)));
  if (config.hostname && !config.hostNetwork) args.push('--hostname', config.hostname);
  // hostNetwork: the host's network and hostname, as Kubernetes gives such pods.
  if (config.hostNetwork) args.push('--network', 'host', '--uts', 'host');
  else for (const port of config.ports.filter((p) => p.hostPort > 0)) args.push('-p', publishArg(port));
  return args;
}

/**
 * Arguments of `podman create` for a container in a sandbox. Kubernetes `command` replaces the
 * image entrypoint (and with it the image cmd), `args` replaces the image cmd.
 */
export function containerCreateArgs(config: ContainerConfig, options: { pull: 'never' | 'missing' }): string[] {
  const args = ['create', '--pod', config.sandboxId, '--name', config.name, `--pull=${options.pull}`];
  args.push(...labelArgs(withOwnerLabels(config.labels)));
  for (const [k, v] of Object.entries(config.env)) args.push('--env', `${k}=${v}`);
  if (config.workingDir) args.push('--workdir', config.workingDir);
  for (const m of config.mounts) {
    args.push(
      '--mount',
      `type=bind,source=${m.hostPath},destination=${m.containerPath}${m.readOnly ? ',ro=true' : ''}`,
    );
  }
  if (config.memoryLimitBytes !== undefined && config.memoryLimitBytes > 0) {
    // No swap on top of the limit, like the kubelet: memory-swap equal to memory.
    args.push('--memory', `${config.memoryLimitBytes}b`, '--memory-swap', `${config.memoryLimitBytes}b`);
  }
  if (config.cpuLimitMilli !== undefined && config.cpuLimitMilli > 0) {
    args.push('--cpus', (config.cpuLimitMilli / 1000).toFixed(3));
  }
  if (config.cpuRequestMilli !== undefined) args.push('--cpu-shares', String(cpuShares(config.cpuRequestMilli)));
  if (config.stdin) args.push('--interactive');
  if (config.tty) args.push('--tty');
  args.push('--stop-timeout', String(config.stopTimeoutSeconds ?? 0));
  const hasCommand = config.command !== undefined && config.command.length > 0;
  if (hasCommand) args.push('--entrypoint', JSON.stringify(config.command));
  args.push(config.image);
  if (config.args && config.args.length > 0) args.push(...config.args);
  return args;
}
