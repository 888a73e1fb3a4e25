import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiConnection } from './api-client.js';

/**
 * Runs a real hub process (`node hub/dist/main-hub.js`) on a free loopback port with a temp data
 * dir. Needs `npx tsc -b` first. `kill9()` + `restart()` simulate a crash on the same data dir;
 * `cleanup()` stops it (by PID) and removes the data dir.
 */
export const HUB_ENTRY = fileURLToPath(new URL('../../dist/main-hub.js', import.meta.url));

export interface HubProcess extends ApiConnection {
  dataDir: string;
  kubeconfigPath: string;
  caPem: string;
  pid: number;
  output(): string;
  kill9(): Promise<void>;
  restart(extraArgs?: string[]): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

const READY_LINE = /Peapod hub API server: (\S+)/;

function waitForReady(child: ChildProcess, log: { text: string }, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hub did not start within ${timeoutMs} ms:\n${log.text}`)),
      timeoutMs,
    );
    const check = () => {
      const match = READY_LINE.exec(log.text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hub exited (${code ?? signal}) before it was ready:\n${log.text}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** `entry`: what to run instead of main-hub.js, e.g. `[cli/dist/main.js, 'hub']` for the MQTT plane too. */
export async function startHubProcess(
  options: { args?: string[]; dataDir?: string; entry?: string[] } = {},
): Promise<HubProcess> {
  const entry = options.entry ?? [HUB_ENTRY];
  if (!existsSync(entry[0])) throw new Error(`${entry[0]} is missing: run \`npx tsc -b\` first`);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'peapod-hub-test-'));
  const log = { text: '' };
  let child!: ChildProcess;

  const launch = async (extraArgs: string[]) => {
    child = spawn(
      process.execPath,
      [...entry, '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', ...extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      log.text += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      log.text += d;
    });
    const url = await waitForReady(child, log);
    handle.url = url;
    handle.pid = child.pid!;
    handle.token = existsSync(join(dataDir, 'admin-token'))
      ? readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
      : '';
    handle.caPem = existsSync(join(dataDir, 'tls', 'ca.crt'))
      ? readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8')
      : '';
  };

  const handle: HubProcess = {
    url: '',
    token: '',
    caPem: '',
    pid: 0,
    dataDir,
    kubeconfigPath: join(dataDir, 'kubeconfig.yaml'),
    output: () => log.text,
    async kill9() {
      process.kill(child.pid!, 'SIGKILL');
      await exited(child);
    },
    async restart(extraArgs = options.args ?? []) {
      log.text = '';
      await launch(extraArgs);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        await exited(child);
      }
    },
    async cleanup() {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await launch(options.args ?? []);
  return handle;
}
