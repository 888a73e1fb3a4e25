import { randomBytes } from 'node:crypto';
import type {
  ContainerConfig,
  ContainerEvent,
  ContainerInfo,
  ContainerStats,
  ExecResult,
  LogOptions,
  RuntimeDriver,
  Sandbox,
  SandboxConfig,
} from '../runtime/driver.js';
import { RuntimeError } from '../runtime/errors.js';
import { matchesLabels } from '../runtime/labels.js';

/**
 * An in-memory runtime for hollow nodes (the fleet simulator, kubemark-style) — never used by a
 * real agent. Containers "run" until stopped; an image named `sim/exit:<code>` exits with that
 * code right after starting. Every image exists. Operations take `latencyMs` to mimic a runtime.
 */
export interface SimulatedDriverOptions {
  latencyMs?: number;
  /** Third octet block for pod IPs, so hollow nodes hand out distinct addresses. */
  ipPrefix?: string;
}

interface SimContainer {
  info: ContainerInfo;
  sandboxId: string;
  log: string[];
}

export class SimulatedDriver implements RuntimeDriver {
  readonly name = 'simulated';
  readonly #latency: number;
  readonly #ipPrefix: string;
  readonly #sandboxes = new Map<string, Sandbox>();
  readonly #containers = new Map<string, SimContainer>();
  readonly #listeners = new Set<{ filter: Record<string, string>; listener: (e: ContainerEvent) => void }>();
  #nextIp = 2;

  constructor(options: SimulatedDriverOptions = {}) {
    this.#latency = options.latencyMs ?? 0;
    this.#ipPrefix = options.ipPrefix ?? '10.200';
  }

  async version(): Promise<string> {
    return 'simulated-1.0';
  }

  async imageExists(): Promise<boolean> {
    return true;
  }

  async pullImage(): Promise<void> {
    await this.#wait();
  }

  async createSandbox(config: SandboxConfig): Promise<Sandbox> {
    await this.#wait();
    const n = this.#nextIp++;
    const sandbox: Sandbox = {
      id: newId(),
      name: config.name,
      labels: { ...config.labels },
      state: 'running',
      ip: `${this.#ipPrefix}.${(n >> 8) & 255}.${n & 255}`,
      createdAt: new Date().toISOString(),
    };
    this.#sandboxes.set(sandbox.id, sandbox);
    return { ...sandbox };
  }

  async listSandboxes(filter: Record<string, string>): Promise<Sandbox[]> {
    return [...this.#sandboxes.values()].filter((s) => matchesLabels(s.labels, filter)).map((s) => ({ ...s }));
  }

  async inspectSandbox(id: string): Promise<Sandbox | undefined> {
    const s = this.#sandboxes.get(id);
    return s && { ...s };
  }

  async removeSandbox(id: string): Promise<void> {
    await this.#wait();
    for (const [cid, c] of this.#containers) if (c.sandboxId === id) await this.removeContainer(cid);
    this.#sandboxes.delete(id);
  }

  async createContainer(config: ContainerConfig): Promise<string> {
    await this.#wait();
    if (!this.#sandboxes.has(config.sandboxId)) throw new RuntimeError('NotFound', `no such pod ${config.sandboxId}`);
    const id = newId();
    this.#containers.set(id, {
      sandboxId: config.sandboxId,
      log: [],
      info: {
        id,
        name: config.name,
        image: config.image,
        imageId: `sha256:${id}`,
        labels: { ...config.labels },
        state: 'created',
        createdAt: new Date().toISOString(),
        memoryLimitBytes: config.memoryLimitBytes,
      },
    });
    this.#emit(id, 'create');
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await this.#wait();
    const c = this.#get(id);
    c.info.state = 'running';
    c.info.startedAt = new Date().toISOString();
    c.log.push(`${c.info.startedAt} started ${c.info.image}`);
    this.#emit(id, 'start');
    const exit = /^sim\/exit:(\d+)$/.exec(c.info.image);
    if (exit) setTimeout(() => this.#exit(id, Number(exit[1])), 5);
  }

  async stopContainer(id: string): Promise<void> {
    await this.#wait();
    const c = this.#get(id);
    if (c.info.state === 'running') this.#exit(id, 137);
  }

  async removeContainer(id: string): Promise<void> {
    if (!this.#containers.has(id)) return;
    const c = this.#get(id);
    if (c.info.state === 'running') this.#exit(id, 137);
    this.#containers.delete(id);
    this.#emit(id, 'remove', undefined, c.info.labels);
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    const c = this.#containers.get(id);
    return c && { ...c.info, labels: { ...c.info.labels } };
  }

  async listContainers(filter: Record<string, string>): Promise<ContainerInfo[]> {
    return [...this.#containers.values()]
      .filter((c) => matchesLabels(c.info.labels, filter))
      .map((c) => ({ ...c.info, labels: { ...c.info.labels } }));
  }

  async exec(id: string, command: string[]): Promise<ExecResult> {
    const c = this.#get(id);
    if (c.info.state !== 'running') throw new RuntimeError('NotRunning', `container ${id} is not running`);
    // `true`/`false`/`exit N` are enough for probes in simulated pods.
    const [cmd, ...args] = command;
    if (cmd === 'false') return { exitCode: 1, stdout: '', stderr: '' };
    if (cmd === 'exit') return { exitCode: Number(args[0] ?? 0), stdout: '', stderr: '' };
    return { exitCode: 0, stdout: command.join(' '), stderr: '' };
  }

  async logs(
    id: string,
    options: LogOptions,
    onChunk: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
  ): Promise<void> {
    const lines = this.#get(id).log;
    const tail = options.tail !== undefined && options.tail >= 0 ? lines.slice(-options.tail) : lines;
    for (const line of tail) onChunk(Buffer.from(`${line}\n`), 'stdout');
  }

  async stats(ids: string[]): Promise<ContainerStats[]> {
    return ids
      .filter((id) => this.#containers.get(id)?.info.state === 'running')
      .map((containerId) => ({ containerId, cpuMilli: 1, memoryBytes: 4 * 1024 * 1024 }));
  }

  events(filter: Record<string, string>, listener: (event: ContainerEvent) => void): () => void {
    const entry = { filter, listener };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  #exit(id: string, code: number): void {
    const c = this.#containers.get(id);
    if (c?.info.state !== 'running') return;
    c.info.state = 'exited';
    c.info.exitCode = code;
    c.info.finishedAt = new Date().toISOString();
    this.#emit(id, 'died', code);
  }

  #emit(id: string, type: ContainerEvent['type'], exitCode?: number, labels?: Record<string, string>): void {
    const l = labels ?? this.#containers.get(id)?.info.labels ?? {};
    const event: ContainerEvent = { containerId: id, type, labels: { ...l }, time: new Date().toISOString() };
    if (exitCode !== undefined) event.exitCode = exitCode;
    setImmediate(() => {
      for (const { filter, listener } of this.#listeners) if (matchesLabels(l, filter)) listener(event);
    });
  }

  #get(id: string): SimContainer {
    const c = this.#containers.get(id);
    if (!c) throw new RuntimeError('NotFound', `no such container ${id}`);
    return c;
  }

  #wait(): Promise<void> {
    return this.#latency > 0 ? new Promise((r) => setTimeout(r, this.#latency)) : Promise.resolve();
  }
}

function newId(): string {
  return randomBytes(32).toString('hex');
}
