import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@peapod/core';
import { ClusterIpRules } from '../../agent/src/services/cluster-ip-rules.js';
import { CONTAINERS_CONF, cleanupByLabel, freePort } from '../../agent/test/helpers/podman.js';
import { PEAPOD, type RunResult, runCommand } from '../../cli/test/helpers.js';
import { type ApiConnection, api } from '../../hub/test/helpers/api-client.js';

/**
 * A whole Peapod cluster of real processes for end-to-end tests: `peapod hub` (API, embedded MQTT
 * broker, scheduler, controllers) on loopback ports, and N `peapod agent` processes, each with its
 * own node name, data dir and loopback node IP, running pods with real podman. `peapod` and
 * `kubectl` are bound to the hub's generated kubeconfig. Everything is stopped by PID and every
 * container is removed by its node label in `cleanup()`. Needs `npx tsc -b` first.
 */

export interface AgentProcess {
  name: string;
  nodeIP: string;
  pid: number;
  /** SIGKILL, like a device losing power. */
  kill9(): Promise<void>;
  /** Starts it again on the same data dir (its stored credential, no token). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export interface Cluster {
  runId: string;
  hub: ApiConnection & {
    pid: number;
    dataDir: string;
    kubeconfigPath: string;
    output(): string;
    /** SIGKILL the hub process. */
    kill9(): Promise<void>;
    /** Start it again on the same data dir and ports. */
    restart(): Promise<void>;
  };
  agents: AgentProcess[];
  peapod(args: string[], stdin?: string): Promise<RunResult>;
  kubectl(args: string[], stdin?: string): Promise<RunResult>;
  /** GET on the hub API (JSON), throwing on anything but 200. */
  get(path: string): Promise<KubeObject>;
  cleanup(): Promise<void>;
}

interface Managed {
  child: ChildProcess;
  log: { text: string };
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}): Managed {
  const child = spawn(process.execPath, [PEAPOD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const log = { text: '' };
  const append = (d: string) => {
    log.text += d;
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  return { child, log };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  process.kill(child.pid, signal);
  const done = exited(child);
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }, 15_000);
  await done;
  clearTimeout(timer);
}

/** Polls `probe` (sync or async) until it returns something truthy. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function waitForLine(m: Managed, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(m.log.text);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${m.log.text}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} not ready within ${timeoutMs} ms:\n${m.log.text}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      m.child.stdout?.off('data', check);
      m.child.stderr?.off('data', check);
      m.child.off('exit', onExit);
    };
    m.child.stdout?.on('data', check);
    m.child.stderr?.on('data', check);
    m.child.once('exit', onExit);
    check();
  });
}

export function readyStatus(node: KubeObject | undefined): string | undefined {
  return (node?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.status;
}

/**
 * Starts the hub and `agentCount` agents and waits until every node is Ready. Node names are
 * `e2e-<run>-<i>`, node IPs 127.<x>.<y>.<i+1> (a loopback /24 of its own per run).
 */
export async function startCluster(options: { agentCount: number; prefix?: string }): Promise<Cluster> {
  if (!existsSync(PEAPOD)) throw new Error(`${PEAPOD} is missing: run \`npx tsc -b\` first`);
  const runId = `${options.prefix ?? 'e2e'}-${randomBytes(3).toString('hex')}`;
  const root = mkdtempSync(join(tmpdir(), `peapod-${runId}-`));
  const hubDir = join(root, 'hub');
  const kubeconfig = join(hubDir, 'kubeconfig.yaml');
  const subnet = `127.${1 + (randomBytes(1)[0] % 250)}.${randomBytes(1)[0]}`;
  const mqttPort = await freePort();
  let apiPort = '0';
  let hub: Managed | undefined;
  /** Starts the hub; after the first start on the same API port, so the kubeconfig stays valid. */
  const startHub = async () => {
    const started = launch([
      'hub',
      '--data-dir',
      hubDir,
      '--host',
      '127.0.0.1',
      '--port',
      apiPort,
      '--mqtts-port',
      String(mqttPort),
      '--wss-port',
      'off',
      '--log-level',
      'warn',
    ]);
    hub = started;
    cluster.hub.pid = started.child.pid!;
    const [, url] = await waitForLine(started, /Peapod hub API server: (\S+)/, 'hub');
    cluster.hub.url = url;
    apiPort = new URL(url).port;
    cluster.hub.token = readFileSync(join(hubDir, 'admin-token'), 'utf8').trim();
    cluster.hub.caPem = readFileSync(join(hubDir, 'tls', 'ca.crt'), 'utf8');
  };
  const agents: AgentProcess[] = [];
  const cluster: Cluster = {
    runId,
    hub: {
      url: '',
      token: '',
      caPem: '',
      pid: 0,
      dataDir: hubDir,
      kubeconfigPath: kubeconfig,
      output: () => hub?.log.text ?? '',
      kill9: async () => {
        if (hub) await stopChild(hub.child, 'SIGKILL');
      },
      restart: startHub,
    },
    agents,
    peapod: (args, stdin) =>
      runCommand(process.execPath, [PEAPOD, ...args], { env: { KUBECONFIG: kubeconfig }, stdin, timeoutMs: 150_000 }),
    // --cache-dir before the arguments: after `exec … --` it would be part of the command.
    kubectl: (args, stdin) =>
      runCommand('kubectl', [`--cache-dir=${join(root, 'kube-cache')}`, ...args], {
        env: { KUBECONFIG: kubeconfig },
        stdin,
        timeoutMs: 150_000,
      }),
    async get(path) {
      const r = await api(cluster.hub, 'GET', path);
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
      return r.body;
    },
    async cleanup() {
      for (const a of agents) await a.stop();
      if (hub) await stopChild(hub.child);
      for (const a of agents) {
        await cleanupByLabel(a.name, 'io.peapod.node');
        await ClusterIpRules.removeLeftovers(a.name); // agents killed with SIGKILL leave their chain
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await startHub();
    const joinToken = await until('the join token', () => {
      const file = join(hubDir, 'join-token');
      return existsSync(file) && readFileSync(file, 'utf8').trim();
    });
    for (let i = 0; i < options.agentCount; i++) {
      const name = `${runId}-${i + 1}`;
      agents.push(agentProcess(name, `${subnet}.${i + 2}`, join(root, `agent-${i + 1}`), mqttPort, joinToken));
    }
    for (const a of agents) await a.restart();
    await until(
      'every node Ready',
      async () => {
        for (const a of agents) if (readyStatus(await cluster.get(`/api/v1/nodes/${a.name}`)) !== 'True') return false;
        return true;
      },
      60_000,
    );
  } catch (e) {
    await cluster.cleanup();
    throw e;
  }
  return cluster;
}

function agentProcess(
  name: string,
  nodeIP: string,
  dataDir: string,
  mqttPort: number,
  joinToken: string,
): AgentProcess {
  let current: Managed | undefined;
  const handle: AgentProcess = {
    name,
    nodeIP,
    pid: 0,
    async kill9() {
      if (current) await stopChild(current.child, 'SIGKILL');
    },
    async restart() {
      // The token is needed only for the first start; later starts use the stored credential.
      const first = !existsSync(join(dataDir, 'credential.json'));
      current = launch(
        [
          'agent',
          '--hub',
          `mqtts://127.0.0.1:${mqttPort}`,
          ...(first ? ['--token', joinToken] : []),
          '--name',
          name,
          '--data-dir',
          dataDir,
          '--node-ip',
          nodeIP,
          '--heartbeat-interval',
          '2s',
          '--containers-conf',
          CONTAINERS_CONF,
        ],
        { CONTAINERS_CONF },
      );
      handle.pid = current.child.pid!;
      await waitForLine(current, /mqtt: connected/, `agent ${name}`);
    },
    async stop() {
      if (current) await stopChild(current.child);
    },
    output: () => current?.log.text ?? '',
  };
  return handle;
}
