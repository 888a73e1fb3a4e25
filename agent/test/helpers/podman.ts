import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** Shared helpers for tests that run real podman (env, unique labels, cleanup by label). */

export const CONTAINERS_CONF = fileURLToPath(new URL('../../../ci/containers.conf', import.meta.url));
export const PODMAN_ENV = { CONTAINERS_CONF };

export const TEST_IMAGES = {
  busybox: 'localhost/edge-test/busybox:1',
  httpd: 'localhost/edge-test/httpd:1',
  exit: 'localhost/edge-test/exit:1',
  memhog: 'localhost/edge-test/memhog:1',
} as const;

/** The label every test object carries so the run can clean up after itself. */
export const TEST_RUN_LABEL = 'io.peapod.test.run';

/** A value unique to this test run (label values, object names). */
export function uniqueRunId(prefix = 'rt'): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Runs podman with the project's containers.conf; never throws on a non-zero exit. */
export async function podman(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('podman', args, { env: PODMAN_ENV, reject: false, timeout: 300_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Removes every pod and container labelled `key=value` (stop timeout 0). */
export async function cleanupByLabel(value: string, key = TEST_RUN_LABEL): Promise<void> {
  const filter = ['--filter', `label=${key}=${value}`];
  const pods = await podman(['pod', 'ps', '-q', ...filter]);
  const podIds = pods.stdout.split('\n').filter(Boolean);
  // Containers first, then Docker-style infra containers they depend on, then podman pods.
  const infra = ['--filter', 'label=io.peapod.container.kind=infra'];
  const all = (await podman(['ps', '-aq', ...filter])).stdout.split('\n').filter(Boolean);
  const infraIds = new Set((await podman(['ps', '-aq', ...filter, ...infra])).stdout.split('\n').filter(Boolean));
  const ctrIds = all.filter((id) => !infraIds.has(id));
  if (ctrIds.length > 0) await podman(['rm', '-f', '-t', '0', ...ctrIds]);
  if (infraIds.size > 0) await podman(['rm', '-f', '-t', '0', ...infraIds]);
  if (podIds.length > 0) await podman(['pod', 'rm', '-f', '-t', '0', ...podIds]);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the first value `next()` yields that satisfies `done`, or rejects after `timeoutMs`. */
export function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** PIDs of this process's direct children whose command line contains `match`. */
export function childPids(match: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(match)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}
