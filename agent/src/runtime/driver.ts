/**
 * The runtime seam of the agent, in the spirit of Nomad's task drivers: the pod workers speak only
 * this interface. Implementations: podman (default), docker (Docker API/CLI, tested against
 * podman's Docker-compatible socket), and a simulated runtime used only by the fleet simulator.
 *
 * A "sandbox" is the runtime pod (infra/pause container holding the network namespace and
 * published ports). Containers join a sandbox. Every object carries labels so the agent can find
 * its own after a restart (see LABELS).
 */

export const LABELS = {
  owner: 'io.peapod.owner', // always 'peapod'
  node: 'io.peapod.node',
  namespace: 'io.peapod.pod.namespace',
  podName: 'io.peapod.pod.name',
  podUid: 'io.peapod.pod.uid',
  container: 'io.peapod.container.name',
  specHash: 'io.peapod.container.hash',
  /** 'init' | 'app'; the drivers set 'infra' on a sandbox's infra container (never listed as a container) */
  containerKind: 'io.peapod.container.kind',
  /** restart attempt number of this container (0 for the first run) */
  attempt: 'io.peapod.container.attempt',
} as const;

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  hostIP?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface SandboxConfig {
  name: string;
  labels: Record<string, string>;
  hostname?: string;
  ports: PortMapping[];
  hostNetwork?: boolean;
}

export interface Sandbox {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: 'created' | 'running' | 'exited' | 'unknown';
  ip?: string;
  createdAt?: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface ContainerConfig {
  name: string;
  sandboxId: string;
  image: string;
  /** Overrides the image entrypoint (Kubernetes `command`). */
  command?: string[];
  /** Overrides the image cmd (Kubernetes `args`). */
  args?: string[];
  env: Record<string, string>;
  workingDir?: string;
  labels: Record<string, string>;
  mounts: Mount[];
  /** Memory limit in bytes. */
  memoryLimitBytes?: number;
  /** CPU limit in milli-CPU. */
  cpuLimitMilli?: number;
  cpuRequestMilli?: number;
  stdin?: boolean;
  tty?: boolean;
  /** Seconds the runtime waits after SIGTERM on its own stops; the agent passes its own grace. */
  stopTimeoutSeconds?: number;
}

export type ContainerRuntimeState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  imageId?: string;
  labels: Record<string, string>;
  state: ContainerRuntimeState;
  exitCode?: number;
  /** As reported by the runtime; podman 4.3 always says false (see podman-notes §4.3). */
  oomKilled?: boolean;
  startedAt?: string;
  finishedAt?: string;
  createdAt?: string;
  memoryLimitBytes?: number;
}

export interface ContainerEvent {
  containerId: string;
  type: 'start' | 'died' | 'oom' | 'remove' | 'create';
  exitCode?: number;
  labels: Record<string, string>;
  time: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Output side of an interactive exec (`kubectl exec -it`). */
export interface ExecStreamHandlers {
  onStdout(data: Buffer): void;
  /** Never called with a TTY: the terminal merges both streams into stdout. */
  onStderr(data: Buffer): void;
  /** Called once: the command's exit code, or -1 with an error message. */
  onExit(exitCode: number, error?: string): void;
}

/** Input side of an interactive exec. */
export interface ExecSessionControl {
  writeStdin(data: Buffer | string): void;
  closeStdin(): void;
  /** Terminal size (TTY sessions; a no-op where the runtime cannot resize). */
  resize(cols: number, rows: number): void;
  /** Ends the session: the exec client goes away (the process may keep running in the container). */
  abort(): void;
}

export interface LogOptions {
  tail?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  follow?: boolean;
}

export interface ContainerStats {
  containerId: string;
  cpuMilli: number;
  memoryBytes: number;
}

export interface RuntimeDriver {
  readonly name: string;
  version(): Promise<string>;
  /**
   * How many times the driver's event stream ended on its own (optional). The node's runtime health
   * check trusts its last `version()` while this does not move (agent/src/node/runtime-health.ts).
   */
  eventStreamEnds?(): number;

  imageExists(image: string): Promise<boolean>;
  /**
   * The local image's id, undefined when it is not present (optional). With it the pod worker learns
   * the id with the presence check and needs no inspect after a start.
   */
  imageId?(image: string): Promise<string | undefined>;
  pullImage(image: string): Promise<void>;

  createSandbox(config: SandboxConfig): Promise<Sandbox>;
  listSandboxes(labelFilter: Record<string, string>): Promise<Sandbox[]>;
  /** One sandbox by id (state and IP of its infra container); undefined when it does not exist. */
  inspectSandbox(id: string): Promise<Sandbox | undefined>;
  removeSandbox(id: string): Promise<void>;

  createContainer(config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerInfo | undefined>;
  listContainers(labelFilter: Record<string, string>): Promise<ContainerInfo[]>;

  /**
   * Runs a command inside a running container and collects its output (probes, hooks). The
   * command's exit code is returned as is; RuntimeError NotFound / NotRunning when the container
   * is missing or not running, RuntimeError Timeout after `timeoutMs`.
   */
  exec(id: string, command: string[], options?: { timeoutMs?: number; stdin?: string }): Promise<ExecResult>;
  /**
   * Starts an interactive command (streamed stdin/stdout/stderr, optional TTY). Resolves once the
   * command runs; RuntimeError NotFound / NotRunning as for `exec`. Optional: simulated runtimes
   * may not have it.
   */
  execStream?(
    id: string,
    command: string[],
    options: { stdin: boolean; tty: boolean },
    handlers: ExecStreamHandlers,
  ): Promise<ExecSessionControl>;
  /**
   * Streams a container's log; resolves when done (with `follow`: when the container exits or
   * `signal` aborts). Throws RuntimeError NotFound for a missing container.
   */
  logs(
    id: string,
    options: LogOptions,
    onChunk: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
    signal?: AbortSignal,
  ): Promise<void>;
  stats(ids: string[]): Promise<ContainerStats[]>;

  /** Subscribes to container events (deduplicated by the driver); returns an unsubscribe function. */
  events(labelFilter: Record<string, string>, listener: (event: ContainerEvent) => void): () => void;
}
