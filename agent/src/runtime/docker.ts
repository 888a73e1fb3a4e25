import { hostname } from 'node:os';
import { CpuRateTracker } from './cpu-rate.js';
import { apiError, DockerApi, type DockerApiOptions, StreamDemuxer } from './docker-api.js';
import {
  containerCreateBody,
  defaultPauseImage,
  infraCreateBody,
  type PauseImage,
  pullReference,
} from './docker-config.js';
import { dockerEventSource, parseDockerEvent } from './docker-events.js';
import { containerInfoFromDocker, type DockerContainerJson, sandboxFromDocker } from './docker-inspect.js';
import type {
  ContainerConfig,
  ContainerEvent,
  ContainerInfo,
  ContainerStats,
  ExecResult,
  ExecSessionControl,
  ExecStreamHandlers,
  LogOptions,
  RuntimeDriver,
  Sandbox,
  SandboxConfig,
} from './driver.js';
import { LABELS } from './driver.js';
import { RuntimeError } from './errors.js';
import { RuntimeEventStream } from './event-stream.js';
import { INFRA_KIND, isInfraLabels, OWNER_VALUE } from './labels.js';

export interface DockerDriverOptions extends DockerApiOptions {
  /** Infra container image; default: podman's local pause image on podman, registry.k8s.io/pause:3.9 on Docker. */
  pauseImage?: PauseImage;
  /** Upper bound for one mutating call (generous: a half-done create is worse than a slow one). */
  timeoutMs?: number;
}

interface DockerStatsJson {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/**
 * The runtime driver over the Docker Engine API (unix socket). Docker has no pods, so a sandbox
 * is emulated the dockershim way: an infra container from a pause image holds the network
 * namespace and the published ports, and containers join it with `NetworkMode: container:<infra>`.
 * Tested against podman's Docker-compatible service (podman-notes §6).
 */
export class DockerDriver implements RuntimeDriver {
  readonly name = 'docker';
  readonly api: DockerApi;
  readonly eventStream: RuntimeEventStream;
  private readonly cpu = new CpuRateTracker();
  private readonly timeoutMs: number;
  private pause?: PauseImage;
  private server?: Promise<{ version: string; isPodman: boolean }>;

  constructor(options: DockerDriverOptions) {
    this.api = new DockerApi(options);
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.pause = options.pauseImage;
    this.eventStream = new RuntimeEventStream(dockerEventSource(this.api), parseDockerEvent);
  }

  async version(): Promise<string> {
    return (await this.fetchServerVersion()).version;
  }

  async imageExists(image: string): Promise<boolean> {
    const response = await this.api.call('GET', `/images/${encodeURIComponent(image)}/json`);
    return response.status === 200;
  }

  async pullImage(image: string): Promise<void> {
    const response = await this.api.call('POST', '/images/create', {
      query: { fromImage: pullReference(image) },
      timeoutMs: 30 * 60_000,
    });
    const text = response.body.toString();
    let message = response.status >= 400 ? text : '';
    // Docker streams progress as JSON lines and reports failures in-band with HTTP 200.
    for (const line of text.split('\n')) {
      try {
        const parsed = JSON.parse(line) as { error?: string; message?: string };
        if (parsed.error) message = parsed.error;
        else if (response.status >= 400 && parsed.message) message = parsed.message;
      } catch {
        // progress noise
      }
    }
    if (message) throw new RuntimeError('ImagePull', message.trim());
  }

  async createSandbox(config: SandboxConfig): Promise<Sandbox> {
    const pause = await this.pauseImage();
    const { Id } = await this.api.json<{ Id: string }>('POST', '/containers/create', {
      query: { name: config.name },
      body: infraCreateBody(config, pause),
      timeoutMs: this.timeoutMs,
    });
    try {
      await this.start(Id);
    } catch (e) {
      await this.removeSandbox(Id).catch(() => undefined);
      throw e;
    }
    const sandbox = await this.inspectSandbox(Id);
    if (!sandbox) throw new RuntimeError('NotFound', `sandbox ${config.name} vanished after creation`);
    return sandbox;
  }

  async inspectSandbox(id: string): Promise<Sandbox | undefined> {
    const infra = await this.inspectRaw(id);
    return infra && isInfraLabels(infra.Config?.Labels) ? sandboxFromDocker(infra) : undefined;
  }

  async listSandboxes(labelFilter: Record<string, string>): Promise<Sandbox[]> {
    const ids = await this.listIds({ ...labelFilter, [LABELS.containerKind]: INFRA_KIND });
    const infras = await Promise.all(ids.map((id) => this.inspectRaw(id)));
    return infras.filter((c): c is DockerContainerJson => !!c).map(sandboxFromDocker);
  }

  async removeSandbox(id: string): Promise<void> {
    const infra = await this.inspectRaw(id);
    if (!infra) return;
    // Containers sharing the infra's namespaces must go first (podman-notes §7.4).
    const owned = (await this.listRaw({ [LABELS.owner]: OWNER_VALUE })).filter((c) => c.Id !== infra.Id);
    // Docker's list carries HostConfig.NetworkMode; podman's compat list does not, so inspect there.
    const modes = await Promise.all(
      owned.map(async (c) => ({
        id: c.Id,
        mode: c.HostConfig?.NetworkMode ?? (await this.inspectRaw(c.Id))?.HostConfig?.NetworkMode,
      })),
    );
    const dependents = modes.filter((c) => c.mode === `container:${infra.Id}`);
    await Promise.all(dependents.map((c) => this.removeContainer(c.id)));
    await this.removeContainer(infra.Id);
  }

  async createContainer(config: ContainerConfig): Promise<string> {
    if (!(await this.imageExists(config.image))) await this.pullImage(config.image);
    const { Id } = await this.api.json<{ Id: string }>('POST', '/containers/create', {
      query: { name: config.name },
      body: containerCreateBody(config, { hostname: await this.sandboxHostname(config.sandboxId) }),
      timeoutMs: this.timeoutMs,
    });
    return Id;
  }

  async startContainer(id: string): Promise<void> {
    await this.start(id);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const seconds = Math.max(0, Math.ceil(timeoutSeconds));
    const response = await this.api.call('POST', `/containers/${id}/stop`, {
      query: { t: seconds },
      timeoutMs: (seconds + 120) * 1000,
    });
    if (response.status >= 400) throw apiError(response);
  }

  async removeContainer(id: string): Promise<void> {
    const response = await this.api.call('DELETE', `/containers/${id}`, {
      query: { force: 1, v: 1 },
      timeoutMs: this.timeoutMs,
    });
    this.cpu.forget(id);
    if (response.status === 404 || response.status < 400) return;
    throw apiError(response);
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    const raw = await this.inspectRaw(id);
    return raw ? containerInfoFromDocker(raw) : undefined;
  }

  async listContainers(labelFilter: Record<string, string>): Promise<ContainerInfo[]> {
    const ids = await this.listIds(labelFilter);
    const raws = await Promise.all(ids.map((id) => this.inspectRaw(id)));
    return raws
      .filter((c): c is DockerContainerJson => !!c && !isInfraLabels(c.Config?.Labels))
      .map(containerInfoFromDocker);
  }

  async exec(id: string, command: string[], options: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let finish: (code: number, error?: string) => void = () => undefined;
    const exited = new Promise<{ code: number; error?: string }>((resolve) => {
      finish = (code, error) => resolve({ code, error });
    });
    const withStdin = options.stdin !== undefined;
    const session = await this.execStream(
      id,
      command,
      { stdin: withStdin, tty: false },
      { onStdout: (d) => stdout.push(d), onStderr: (d) => stderr.push(d), onExit: (c, e) => finish(c, e) },
    );
    if (withStdin) {
      session.writeStdin(options.stdin ?? '');
      session.closeStdin();
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      session.abort();
      throw new RuntimeError('Timeout', `command timed out after ${timeoutMs} ms`);
    }
    if (outcome.error) throw new RuntimeError('Runtime', outcome.error);
    return {
      exitCode: outcome.code,
      stdout: Buffer.concat(stdout).toString(),
      stderr: Buffer.concat(stderr).toString(),
    };
  }

  async execStream(
    id: string,
    command: string[],
    options: { stdin: boolean; tty: boolean },
    handlers: ExecStreamHandlers,
  ): Promise<ExecSessionControl> {
    const { Id: execId } = await this.api.json<{ Id: string }>('POST', `/containers/${id}/exec`, {
      body: { AttachStdout: true, AttachStderr: true, AttachStdin: options.stdin, Cmd: command, Tty: options.tty },
    });
    const socket = await this.api.upgrade(`/exec/${execId}/start`, { Detach: false, Tty: options.tty });
    const demux = new StreamDemuxer((payload, stream) =>
      stream === 'stdout' ? handlers.onStdout(payload) : handlers.onStderr(payload),
    );
    socket.on('data', (chunk: Buffer) => (options.tty ? handlers.onStdout(chunk) : demux.push(chunk)));
    socket.on('error', () => undefined);
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      this.api
        .json<{ ExitCode?: number | null }>('GET', `/exec/${execId}/json`)
        .then((inspected) =>
          inspected.ExitCode === null || inspected.ExitCode === undefined
            ? handlers.onExit(-1, 'exec session ended before the command exited')
            : handlers.onExit(inspected.ExitCode),
        )
        .catch((e: unknown) => handlers.onExit(-1, e instanceof Error ? e.message : String(e)));
    });
    return {
      writeStdin: (data) => {
        if (options.stdin && socket.writable) socket.write(data);
      },
      closeStdin: () => socket.end(),
      resize: (cols, rows) => {
        if (!options.tty) return;
        this.api.call('POST', `/exec/${execId}/resize`, { query: { h: rows, w: cols } }).catch(() => undefined);
      },
      abort: () => socket.destroy(),
    };
  }

  async logs(
    id: string,
    options: LogOptions,
    onChunk: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const container = await this.inspectRaw(id);
    if (!container) throw new RuntimeError('NotFound', `no container with name or ID "${id}" found: no such container`);
    if (signal?.aborted) return;
    const query = {
      stdout: 1,
      stderr: 1,
      follow: options.follow ? 1 : undefined,
      timestamps: options.timestamps ? 1 : undefined,
      tail: options.tail !== undefined && options.tail >= 0 ? options.tail : undefined,
      since:
        options.sinceSeconds !== undefined && options.sinceSeconds > 0
          ? Math.floor(Date.now() / 1000) - options.sinceSeconds
          : undefined,
    };
    let response: Awaited<ReturnType<DockerApi['open']>>;
    try {
      response = await this.api.open('GET', `/containers/${id}/logs`, { query, signal });
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    }
    if ((response.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      throw apiError({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) });
    }
    const tty = container.Config?.Tty ?? false;
    const demux = new StreamDemuxer(onChunk);
    try {
      for await (const chunk of response) {
        if (tty) onChunk(chunk as Buffer, 'stdout');
        else demux.push(chunk as Buffer);
      }
    } catch (e) {
      if (!signal?.aborted) throw e;
    }
  }

  async stats(ids: string[]): Promise<ContainerStats[]> {
    const rows = await Promise.all(
      ids.map(async (id) => {
        const response = await this.api.call('GET', `/containers/${id}/stats`, { query: { stream: false } });
        if (response.status !== 200) return undefined;
        const raw = JSON.parse(response.body.toString()) as DockerStatsJson;
        return { id, raw };
      }),
    );
    return rows
      .filter((r): r is { id: string; raw: DockerStatsJson } => !!r)
      .map(({ id, raw }) => ({
        containerId: id,
        cpuMilli: this.cpu.milliCpu(
          id,
          raw.cpu_stats?.cpu_usage?.total_usage ?? 0,
          Date.parse(raw.read ?? '') * 1e6 || Date.now() * 1e6,
          precpuMilli(raw),
        ),
        memoryBytes: workingSet(raw),
      }));
  }

  eventStreamEnds(): number {
    return this.eventStream.ended;
  }

  events(labelFilter: Record<string, string>, listener: (event: ContainerEvent) => void): () => void {
    return this.eventStream.subscribe(labelFilter, listener);
  }

  close(): void {
    this.api.close();
  }

  private async start(id: string): Promise<void> {
    const response = await this.api.call('POST', `/containers/${id}/start`, { timeoutMs: this.timeoutMs });
    if (response.status >= 400) throw apiError(response);
  }

  private async inspectRaw(id: string): Promise<DockerContainerJson | undefined> {
    const response = await this.api.call('GET', `/containers/${encodeURIComponent(id)}/json`);
    if (response.status === 404) return undefined;
    if (response.status >= 400) {
      // podman answers 500 "does not exist in database" for a container removed meanwhile.
      const error = apiError(response);
      if (error.reason === 'NotFound') return undefined;
      throw error;
    }
    return JSON.parse(response.body.toString()) as DockerContainerJson;
  }

  private async listRaw(labelFilter: Record<string, string>) {
    const filters = JSON.stringify({ label: Object.entries(labelFilter).map(([k, v]) => `${k}=${v}`) });
    return (
      (await this.api.json<{ Id: string; HostConfig?: { NetworkMode?: string } }[]>('GET', '/containers/json', {
        query: { all: 1, filters },
      })) ?? []
    );
  }

  private async listIds(labelFilter: Record<string, string>): Promise<string[]> {
    return (await this.listRaw(labelFilter)).map((c) => c.Id);
  }

  /**
   * The hostname an app container must be given explicitly. Docker copies it from the container
   * whose network it joins (and rejects an explicit one); podman's compat API does not copy it, so
   * there the driver passes the sandbox's: its hostname, or the host's for hostNetwork.
   */
  private async sandboxHostname(sandboxId: string): Promise<string | undefined> {
    if (!(await this.serverVersion()).isPodman) return undefined;
    const infra = await this.inspectRaw(sandboxId);
    if (!infra) throw new RuntimeError('NotFound', `sandbox ${sandboxId} not found`);
    return infra.HostConfig?.NetworkMode === 'host' ? hostname() : infra.Config?.Hostname;
  }

  private async serverVersion(): Promise<{ version: string; isPodman: boolean }> {
    this.server ??= this.fetchServerVersion();
    return this.server;
  }

  private async fetchServerVersion(): Promise<{ version: string; isPodman: boolean }> {
    const v = await this.api.json<{ Version?: string; Components?: { Name?: string }[] }>('GET', '/version');
    const isPodman = (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
    return { version: v.Version ?? 'unknown', isPodman };
  }

  private async pauseImage(): Promise<PauseImage> {
    this.pause ??= defaultPauseImage(await this.serverVersion());
    return this.pause;
  }
}

/** CPU use between the two samples Docker includes (precpu), in milli-CPU; 0 when absent. */
function precpuMilli(raw: DockerStatsJson): number {
  const cpu = raw.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const preCpu = raw.precpu_stats?.cpu_usage?.total_usage ?? 0;
  const system = raw.cpu_stats?.system_cpu_usage ?? 0;
  const preSystem = raw.precpu_stats?.system_cpu_usage ?? 0;
  if (!preCpu || !preSystem || system <= preSystem) return 0;
  return ((cpu - preCpu) / (system - preSystem)) * (raw.cpu_stats?.online_cpus ?? 1) * 1000;
}

/** Memory in use without the inactive page cache (the kubelet's working set). */
function workingSet(raw: DockerStatsJson): number {
  const usage = raw.memory_stats?.usage ?? 0;
  const stats = raw.memory_stats?.stats ?? {};
  const inactive = stats.inactive_file ?? stats.total_inactive_file ?? 0;
  return Math.max(0, usage - inactive);
}
