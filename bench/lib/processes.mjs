// Processes the benchmarks start (always stopped by PID) and what /proc says about them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PEAPOD = join(ROOT, 'cli/dist/main.js');
export const CONTAINERS_CONF = join(ROOT, 'ci/containers.conf');
const CLOCK_TICKS = 100;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function rssBytes(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** CPU seconds (user + system) the process has used. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Bytes the process caused to be written to storage (/proc/<pid>/io write_bytes). */
/** The hub store's default flush of coalesced (volatile-only) writes, hub/src/store/sqlite.ts. */
export const STORE_FLUSH_SECONDS = 3600;

export function diskWriteBytes(pid) {
  const line = readFileSync(`/proc/${pid}/io`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('write_bytes:'));
  return Number(line.split(/\s+/)[1]);
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a child by its PID: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited(child);
  clearTimeout(timer);
}

export async function killChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, 'SIGKILL');
  await exited(child);
}

/**
 * `peapod hub` as a real process on loopback: API on a free port, embedded broker on `mqttPort`.
 * Resolves once the API is up, with its URL, admin token, CA and join token.
 */
export async function startHub({ dataDir = tempDir('peapod-bench-hub-'), mqttPort, logLevel = 'warn' } = {}) {
  const port = mqttPort ?? (await freePort());
  // PEAPOD_BENCH_HUB_NODE_ARGS: node flags for the hub process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
  const nodeArgs = (process.env.PEAPOD_BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      PEAPOD,
      'hub',
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--mqtts-port',
      String(port),
      '--wss-port',
      'off',
      '--log-level',
      logLevel,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    output += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    output = (output + d).slice(-20_000);
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 60_000);
    child.stdout.on('data', () => {
      const m = /Peapod hub API server: (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited ${code}:\n${output}`));
    });
  });
  const read = (f) => (existsSync(join(dataDir, f)) ? readFileSync(join(dataDir, f), 'utf8').trim() : '');
  return {
    child,
    pid: child.pid,
    url,
    dataDir,
    mqttPort: port,
    token: read('admin-token'),
    caPem: read('tls/ca.crt'),
    joinToken: read('join-token'),
    kubeconfig: join(dataDir, 'kubeconfig.yaml'),
    output: () => output,
    async stop() {
      await stopChild(child);
    },
    async cleanup() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A real `peapod agent` (podman runtime, generic-amd64 profile) joined to `hub` with its token.
 * `nodeFlags` go to node itself (e.g. `--max-semi-space-size=1`). `stderrTail()` keeps the last 5 kB.
 */
export function startAgentProcess({ hub, nodeName, dataDir, nodeFlags = [] }) {
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      PEAPOD,
      'agent',
      '--hub',
      `mqtts://127.0.0.1:${hub.mqttPort}`,
      '--token',
      hub.joinToken,
      '--name',
      nodeName,
      '--data-dir',
      dataDir,
      '--profile',
      'generic-amd64',
      '--containers-conf',
      CONTAINERS_CONF,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    err = (err + d).slice(-5000);
  });
  child.stderrTail = () => err;
  return child;
}
