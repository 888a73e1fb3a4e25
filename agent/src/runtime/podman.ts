import { CpuRateTracker } from './cpu-rate.js';
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
import { isRuntimeError, RuntimeError } from './errors.js';
import { RuntimeEventStream } from './event-stream.js';
import { isInfraLabels } from './labels.js';
import { containerCreateArgs, infraContainerName, labelFilterArgs, podCreateArgs, podLabels } from './podman-args.js';
import { cliError, PodmanCli, type PodmanCliOptions, podmanErrorText } from './podman-cli.js';
import { parsePodmanEvent, podmanEventSource } from './podman-events.js';
import {
  containerInfoFromPodman,
  type PodmanContainerJson,
  type PodmanPodJson,
  sandboxFromPodman,
} from './podman-inspect.js';

export interface PodmanDriverOptions extends PodmanCliOptions {}

/** Raw numbers of `podman stats --format '{{json .ContainerStats}}'`. */
interface PodmanStatsJson {
  ContainerID: string;
  AvgCPU?: number;
  CPUNano?: number;
  SystemNano?: number;
  MemUsage?: number;
}

/**
 * The podman runtime driver, over the podman CLI (node:child_process). Every call carries CONTAINERS_CONF.
 * A sandbox is a podman pod (infra container from podman's local pause image); containers join it
 * with `--pod`. Events come from one long-lived `podman events` process.
 */
export class PodmanDriver implements RuntimeDriver {
  readonly name = 'podman';
  readonly cli: PodmanCli;
  /** The driver's one `podman events` process (exposed for diagnostics). */
  readonly eventStream: RuntimeEventStream;
  private readonly cpu = new CpuRateTracker();

  constructor(options: PodmanDriverOptions = {}) {
    this.cli = new PodmanCli(options);
    this.eventStream = new RuntimeEventStream(podmanEventSource(this.cli), parsePodmanEvent);
  }

  async version(): Promise<string> {
    const out = await this.cli.json<{ Client?: { Version?: string } }>(['version', '--format', 'json']);
    return out.Client?.Version ?? 'unknown';
  }

  async imageExists(image: string): Promise<boolean> {
    const result = await this.cli.exec(['image', 'exists', image]);
    if (result.exitCode === 0) return true;
    if (result.exitCode === 1) return false;
    throw cliError(['image'], result);
  }

  async imageId(image: string): Promise<string | undefined> {
    const result = await this.cli.exec(['image', 'inspect', '--format', '{{.Id}}', image]);
    if (result.exitCode === 0) return result.stdout.trim() || undefined;
    const error = cliError(['image'], result);
    if (error.reason === 'ImageNotFound' || error.reason === 'NotFound') return undefined;
    throw error;
  }

  async pullImage(image: string): Promise<void> {
    const result = await this.cli.exec(['pull', '--quiet', image], { timeoutMs: 30 * 60_000 });
    if (result.exitCode !== 0) {
      throw new RuntimeError('ImagePull', podmanErrorText(result.stderr) || `pull of ${image} failed`);
    }
  }

  async createSandbox(config: SandboxConfig): Promise<Sandbox> {
    const id = (await this.cli.run(podCreateArgs(config))).trim();
    // Start the infra container now: the pod IP exists and port conflicts surface here.
    const started = await this.cli.exec(['pod', 'start', id]);
    if (started.exitCode !== 0) {
      const error = cliError(['pod'], started);
      await this.removeSandbox(id).catch(() => undefined);
      throw error;
    }
    // The infra container has a name of our own (podCreateArgs): one inspect instead of `pod inspect` + inspect.
    const [infra] = await this.inspectRaw([infraContainerName(config.name)]);
    if (!infra) throw new RuntimeError('NotFound', `pod ${id} vanished after creation`);
    return sandboxFromPodman({ Id: id, Name: config.name, Labels: podLabels(config), Created: infra.Created }, infra);
  }

  async inspectSandbox(id: string): Promise<Sandbox | undefined> {
    const result = await this.cli.exec(['pod', 'inspect', '--format', 'json', id]);
    if (result.exitCode !== 0) {
      const error = cliError(['pod'], result);
      if (error.reason === 'NotFound') return undefined;
      throw error;
    }
    const parsed = JSON.parse(result.stdout) as PodmanPodJson | PodmanPodJson[];
    const pod = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!pod) return undefined;
    const infraId = pod.InfraContainerID ?? pod.InfraId;
    const [infra] = infraId ? await this.inspectRaw([infraId]) : [];
    return sandboxFromPodman(pod, infra);
  }

  async listSandboxes(labelFilter: Record<string, string>): Promise<Sandbox[]> {
    const pods = await this.cli.json<PodmanPodJson[] | null>([
      'pod',
      'ps',
      '--format',
      'json',
      ...labelFilterArgs(labelFilter),
    ]);
    if (!pods || pods.length === 0) return [];
    const infraIds = pods.map((p) => p.InfraId ?? p.InfraContainerID).filter((id): id is string => !!id);
    const infras = new Map((await this.inspectRaw(infraIds)).map((c) => [c.Id, c]));
    return pods.map((p) => sandboxFromPodman(p, infras.get(p.InfraId ?? p.InfraContainerID ?? '')));
  }

  async removeSandbox(id: string): Promise<void> {
    // -t 0: whatever still runs is killed at once (graceful stops are stopContainer's job), instead of
    // waiting each container's stop timeout (podman-notes §6 quirk 3, §7.5).
    const result = await this.cli.exec(['pod', 'rm', '--force', '--time', '0', id]);
    if (result.exitCode === 0) return;
    const error = cliError(['pod'], result);
    if (error.reason !== 'NotFound') throw error;
  }

  /** Pulls the image only when `create` says it is missing (the pod worker has usually checked it). */
  async createContainer(config: ContainerConfig): Promise<string> {
    const create = async () =>
      (await this.cli.run(containerCreateArgs(config, { pull: 'never' }))).trim().split('\n').pop() ?? '';
    try {
      return await create();
    } catch (error) {
      if (!isRuntimeError(error, 'ImageNotFound')) throw error;
    }
    await this.pullImage(config.image);
    return create();
  }

  async startContainer(id: string): Promise<void> {
    await this.cli.run(['start', id]);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const seconds = Math.max(0, Math.ceil(timeoutSeconds));
    await this.cli.run(['stop', '--time', String(seconds), id], { timeoutMs: (seconds + 120) * 1000 });
  }

  async removeContainer(id: string): Promise<void> {
    // `rm -f` of a missing container is rc 0 in 4.3; nothing is read afterwards (§7.6).
    await this.cli.run(['rm', '--force', '--time', '0', id]);
    this.cpu.forget(id);
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    const [raw] = await this.inspectRaw([id]);
    return raw ? containerInfoFromPodman(raw) : undefined;
  }

  async listContainers(labelFilter: Record<string, string>): Promise<ContainerInfo[]> {
    const rows = await this.cli.json<
      { Id: string; IsInfra?: boolean; Labels?: Record<string, string> | null }[] | null
    >(['ps', '--all', '--format', 'json', ...labelFilterArgs(labelFilter)]);
    const ids = (rows ?? []).filter((r) => !r.IsInfra && !isInfraLabels(r.Labels)).map((r) => r.Id);
    return (await this.inspectRaw(ids)).map(containerInfoFromPodman);
  }

  async exec(id: string, command: string[], options: { timeoutMs?: number; stdin?: string } = {}): Promise<ExecResult> {
    const args = ['exec', ...(options.stdin !== undefined ? ['--interactive'] : []), id, ...command];
    let result: Awaited<ReturnType<PodmanCli['exec']>>;
    try {
      result = await this.cli.exec(args, { input: options.stdin, timeoutMs: options.timeoutMs ?? 300_000 });
    } catch (e) {
      if (isRuntimeError(e, 'Timeout')) {
        throw new RuntimeError('Timeout', `command timed out after ${options.timeoutMs} ms`);
      }
      throw e;
    }
    // 125: podman itself failed (no such container); 255 + "state improper": container not running.
    if (result.exitCode === 125 || (result.exitCode === 255 && /state improper/.test(result.stderr))) {
      throw cliError(args, result);
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  async execStream(
    id: string,
    command: string[],
    options: { stdin: boolean; tty: boolean },
    handlers: ExecStreamHandlers,
  ): Promise<ExecSessionControl> {
    const info = await this.inspectContainer(id);
    if (!info) throw new RuntimeError('NotFound', `no container with name or ID "${id}" found: no such container`);
    if (info.state !== 'running') {
      throw new RuntimeError('NotRunning', `container ${info.name} is not running (state ${info.state})`);
    }
    const flags = [...(options.stdin ? ['--interactive'] : []), ...(options.tty ? ['--tty'] : [])];
    const child = this.cli.spawnInteractive(['exec', ...flags, id, ...command]);
    child.stdin.on('error', () => undefined); // writes after the command ended
    if (!options.stdin) child.stdin.end();
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => handlers.onStdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2048);
      handlers.onStderr(chunk);
    });
    child.done.then((result) => {
      const code = result.exitCode;
      // 125: podman itself failed; undefined: the client was killed (abort).
      if (code === undefined || code === 125) handlers.onExit(-1, podmanErrorText(stderrTail) || 'exec ended');
      else handlers.onExit(code);
    });
    return {
      writeStdin: (data) => {
        if (options.stdin && child.stdin.writable) child.stdin.write(data);
      },
      closeStdin: () => child.stdin.end(),
      // The podman CLI has no way to resize an exec TTY (the REST API has); sessions keep their size.
      resize: () => undefined,
      abort: () => {
        child.kill('SIGTERM');
      },
    };
  }

  async logs(
    id: string,
    options: LogOptions,
    onChunk: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const args = ['logs'];
    if (options.tail !== undefined && options.tail >= 0) args.push('--tail', String(options.tail));
    if (options.sinceSeconds !== undefined && options.sinceSeconds > 0)
      args.push('--since', `${options.sinceSeconds}s`);
    if (options.timestamps) args.push('--timestamps');
    if (options.follow) args.push('--follow');
    args.push(id);
    // podman's own errors share stderr with the container's: check existence before streaming.
    const exists = await this.cli.exec(['container', 'exists', id]);
    if (exists.exitCode === 1)
      throw new RuntimeError('NotFound', `no container with name or ID "${id}" found: no such container`);
    if (signal?.aborted) return;
    const child = this.cli.spawn(args, signal);
    let stderrText = '';
    child.stdout.on('data', (chunk: Buffer) => onChunk(chunk, 'stdout'));
    child.stderr.on('data', (chunk: Buffer) => {
      onChunk(chunk, 'stderr');
      if (stderrText.length < 4096) stderrText += chunk.toString();
    });
    const result = await child.done;
    if (result.canceled || signal?.aborted) return;
    if (result.exitCode !== 0) {
      throw cliError(args, { exitCode: result.exitCode ?? -1, stdout: '', stderr: stderrText });
    }
  }

  async stats(ids: string[]): Promise<ContainerStats[]> {
    if (ids.length === 0) return [];
    const rows = await this.statsRaw(ids);
    return rows.map((row) => ({
      containerId: row.ContainerID,
      cpuMilli: this.cpu.milliCpu(row.ContainerID, row.CPUNano ?? 0, row.SystemNano ?? 0, (row.AvgCPU ?? 0) * 10),
      memoryBytes: row.MemUsage ?? 0,
    }));
  }

  eventStreamEnds(): number {
    return this.eventStream.ended;
  }

  events(labelFilter: Record<string, string>, listener: (event: ContainerEvent) => void): () => void {
    return this.eventStream.subscribe(labelFilter, listener);
  }

  /** `podman container inspect` of many ids in one call; missing ids are skipped. */
  private async inspectRaw(ids: string[]): Promise<PodmanContainerJson[]> {
    if (ids.length === 0) return [];
    const result = await this.cli.exec(['container', 'inspect', '--format', 'json', ...ids]);
    // A missing id makes the call rc 125 but the others are still printed (podman-notes §4.1).
    const parsed = parseJsonArray<PodmanContainerJson>(result.stdout);
    if (result.exitCode !== 0 && parsed.length === 0) {
      const error = cliError(['inspect'], result);
      if (error.reason !== 'NotFound') throw error;
    }
    return parsed;
  }

  private async statsRaw(ids: string[]): Promise<PodmanStatsJson[]> {
    const args = ['stats', '--no-stream', '--no-reset', '--format', '{{json .ContainerStats}}'];
    const all = await this.cli.exec([...args, ...ids]);
    if (all.exitCode === 0) return parseJsonLines<PodmanStatsJson>(all.stdout);
    // One unknown id fails the whole call: ask per container and skip the missing ones.
    const rows: PodmanStatsJson[] = [];
    for (const id of ids) {
      const one = await this.cli.exec([...args, id]);
      if (one.exitCode === 0) rows.push(...parseJsonLines<PodmanStatsJson>(one.stdout));
    }
    return rows;
  }
}

function parseJsonArray<T>(text: string): T[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  try {
    const parsed = JSON.parse(trimmed) as T[] | T;
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // not a stats line
    }
  }
  return out;
}
