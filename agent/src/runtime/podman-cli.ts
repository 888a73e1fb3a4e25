import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
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

/** A timed-out call gets SIGTERM, then SIGKILL if it is still there this much later. */
const FORCE_KILL_AFTER_MS = 5_000;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How a long-running command ended. */
export interface SpawnResult {
  /** Undefined when it was killed by a signal or could not start. */
  exitCode: number | undefined;
  /** It was ended by the caller's AbortSignal. */
  canceled: boolean;
}

/** A long-running podman command with piped output. */
export interface SpawnedCommand {
  readonly stdout: Readable;
  readonly stderr: Readable;
  kill(signal?: NodeJS.Signals): void;
  /** Settles (never rejects) once the process has exited and its output is closed. */
  readonly done: Promise<SpawnResult>;
}

/** The same with a writable stdin (interactive exec). */
export interface InteractiveCommand extends SpawnedCommand {
  readonly stdin: Writable;
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

  private execNow(args: string[], options: { input?: string; timeoutMs?: number; cwd?: string }): Promise<CliResult> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const child = this.start(args, options.input === undefined ? 'ignore' : 'pipe', options.cwd);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // podman may exit without reading its input
      child.stdin.end(options.input);
    }
    let timedOut = false;
    let forceKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      forceKill = setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
    }, timeoutMs);
    return new Promise((resolve, reject) => {
      let startError: Error | undefined;
      child.on('error', (error) => {
        startError = error;
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        clearTimeout(forceKill);
        if (timedOut) {
          reject(new RuntimeError('Timeout', `podman ${args[0]} timed out after ${timeoutMs} ms`));
        } else if (code === null || startError) {
          reject(new RuntimeError('Runtime', `podman ${args[0]} failed: ${startError?.message ?? 'killed'}`));
        } else {
          resolve({
            exitCode: code,
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
          });
        }
      });
    });
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
  spawn(args: string[], signal?: AbortSignal): SpawnedCommand {
    const child = this.start(args, 'ignore', undefined, signal);
    return spawned(child, signal) as SpawnedCommand;
  }

  /** Starts a long-running command with a writable stdin (interactive exec). */
  spawnInteractive(args: string[]): InteractiveCommand {
    const child = this.start(args, 'pipe');
    return spawned(child) as InteractiveCommand;
  }

  private start(args: string[], stdin: 'ignore' | 'pipe', cwd?: string, signal?: AbortSignal): ChildProcess {
    return spawn(this.binary, args, {
      env: { ...process.env, ...this.env },
      cwd: cwd ?? this.workDir,
      stdio: [stdin, 'pipe', 'pipe'],
      signal,
    });
  }
}

function spawned(child: ChildProcess, signal?: AbortSignal): SpawnedCommand & { stdin: Writable | null } {
  const done = new Promise<SpawnResult>((resolve) => {
    let failed = false;
    child.on('error', () => {
      failed = true; // a start failure or the abort; 'close' follows either way
    });
    child.once('close', (code) =>
      resolve({ exitCode: failed || code === null ? undefined : code, canceled: signal?.aborted === true }),
    );
  });
  return {
    stdout: child.stdout as Readable,
    stderr: child.stderr as Readable,
    stdin: child.stdin,
    kill: (sig = 'SIGTERM') => {
      child.kill(sig);
    },
    done,
  };
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
