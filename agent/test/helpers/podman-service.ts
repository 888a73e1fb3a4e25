import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { PODMAN_ENV, uniqueRunId, waitFor } from './podman.js';

/**
 * Starts `podman system service --time=0` on a unique unix socket (with the project's
 * containers.conf) for tests of the Docker driver; `stop()` ends it by PID and removes the socket.
 */
export async function startPodmanService(
  socketPath = `/tmp/peapod-test-${uniqueRunId('svc')}.sock`,
): Promise<{ socketPath: string; pid: number; stop: () => Promise<void> }> {
  const child = execa('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
    env: PODMAN_ENV,
    cwd: tmpdir(),
    reject: false,
    stdio: 'ignore',
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('podman system service did not start');
  let exited = false;
  child.then(() => {
    exited = true;
  });
  await waitFor('podman service socket', () => (existsSync(socketPath) ? true : exited ? false : undefined), 20_000);
  if (exited) throw new Error('podman system service exited at start');
  return {
    socketPath,
    pid,
    stop: async () => {
      if (!exited) process.kill(pid, 'SIGTERM');
      await child;
      rmSync(socketPath, { force: true });
    },
  };
}
