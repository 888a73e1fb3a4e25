import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { classifyRuntimeMessage, RuntimeError } from './errors.js';
import { Semaphore } from './semaphore.js';

export interface PodmanCliOptions {
  /** Path of the containers.conf every podman call is given (env CONTAINERS_CONF). */
  containersConf?: string;
  /** podman binary (default `podman`). */
  binary?: string;
  /**
   * Working directory of podman calls. conmon drops `oom` marker files into the cwd of whoever
   * starts a container (podman-notes §4.3), so this must not be the agent's own directory.
   */
  workDir?: string;
  /** Upper bound for one mutating call. Generous on purpose: killing podman mid-way leaks (§7.1). */
  timeoutMs?: number;
  /**
   * Short podman calls allowed at once (default 6). Each podman process costs ~30 MB RSS, so a
   * burst of pod starts must not fork dozens on a small device. `stop`, `exec` and `pull` can
   * last long (grace periods, probes, downloads) and are not counted.
   */
  maxConcurrent?: number;
}

/** Commands that may run for long and are therefore not throttled. */
const UNTHROTTLED = new Set(['stop', 'exec', 'pull']);

type SpawnOptions = {
  env: Record<string, string>;
  extendEnv: true;
  cwd: string;
  buffer: false;
  reject: false;
  stdin: 'ignore';
  cancelSignal?: AbortSignal;
};

type InteractiveOptions = Omit<SpawnOptions, 'stdin' | 'cancelSignal'> & { stdin: 'pipe' };

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs podman commands with the project's environment. One job: process plumbing. */
export class PodmanCli {
  readonly env: Record<string, string>;
  readonly binary: string;
  readonly workDir: string;
  private readonly timeoutMs: number;
  private readonly throttle: Semaphore;

  constructor(options: PodmanCliOptions = {}) {
    const conf = options.containersConf ?? process.env.CONTAINERS_CONF;
    this.env = conf ? { CONTAINERS_CONF: conf } : {};
    this.binary = options.binary ?? 'podman';
    this.workDir = options.workDir ?? join(tmpdir(), 'peapod-podman-cwd');
    mkdirSync(this.workDir, { recursive: true });
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.throttle = new Semaphore(options.maxConcurrent ?? 6);
  }

  /** Runs a command and returns its result whatever the exit code (timeouts included). */
  async exec(args: string[], options: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
    if (UNTHROTTLED.has(args[0] ?? '')) return this.execNow(args, options);
    return this.throttle.run(() => this.execNow(args, options));
  }

  private async execNow(
    args: string[],
    options: { input?: string; timeoutMs?: number; cwd?: string },
  ): Promise<CliResult> {
    const result = await execa(this.binary, args, {
      env: this.env,
      extendEnv: true,
      cwd: options.cwd ?? this.workDir,
      reject: false,
      timeout: options.timeoutMs ?? this.timeoutMs,
      input: options.input,
      stdin: options.input === undefined ? 'ignore' : 'pipe',
      stripFinalNewline: false,
    });
    if (result.timedOut) {
      throw new RuntimeError('Timeout', `podman ${args[0]} timed out after ${options.timeoutMs ?? this.timeoutMs} ms`);
    }
    if (result.exitCode === undefined) {
      throw new RuntimeError('Runtime', `podman ${args[0]} failed: ${result.shortMessage ?? 'killed'}`);
    }
    return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  /** Runs a command that must succeed; throws a classified RuntimeError otherwise. */
  async run(args: string[], options: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<string> {
    const result = await this.exec(args, options);
    if (result.exitCode !== 0) throw cliError(args, result);
    return result.stdout;
  }

  /** Runs a command whose stdout is JSON. */
  async json<T>(args: string[]): Promise<T> {
    const out = await this.run(args);
    return JSON.parse(out) as T;
  }

  /** Starts a long-running command (events, logs -f) with piped output and no timeout. */
  spawn(args: string[], signal?: AbortSignal): ResultPromise<SpawnOptions> {
    const options: SpawnOptions = {
      env: this.env,
      extendEnv: true,
      cwd: this.workDir,
      buffer: false,
      reject: false,
      stdin: 'ignore',
      cancelSignal: signal,
    };
    return execa(this.binary, args, options);
  }

  /** Starts a long-running command with a writable stdin (interactive exec). */
  spawnInteractive(args: string[]): ResultPromise<InteractiveOptions> {
    const options: InteractiveOptions = {
      env: this.env,
      extendEnv: true,
      cwd: this.workDir,
      buffer: false,
      reject: false,
      stdin: 'pipe',
    };
    return execa(this.binary, args, options);
  }
}

/** The meaningful part of podman's stderr: its `Error: …` lines, else everything. */
export function podmanErrorText(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('Error: ')).map((l) => l.slice('Error: '.length));
  const levelErrors = lines
    .filter((l) => l.includes('level=error'))
    .map((l) => /msg="((?:[^"\\]|\\.)*)"/.exec(l)?.[1]?.replace(/\\"/g, '"') ?? l);
  const picked = [...levelErrors, ...errors];
  return (picked.length > 0 ? picked : lines).join('; ');
}

export function cliError(args: string[], result: CliResult): RuntimeError {
  const text = podmanErrorText(result.stderr) || `podman ${args[0]} exited with ${result.exitCode}`;
  return new RuntimeError(classifyRuntimeMessage(text), text);
}
