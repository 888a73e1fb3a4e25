import { readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContainerConfig,
  type ContainerEvent,
  isRuntimeError,
  LABELS,
  type RuntimeDriver,
  type Sandbox,
} from '../../src/index.js';
import { cleanupByLabel, freePort, TEST_IMAGES, TEST_RUN_LABEL, uniqueRunId, waitFor } from './podman.js';

/**
 * The behaviour every RuntimeDriver must show against real podman, run once per driver. The
 * caller provides the driver (and whatever process it needs) through `setup`.
 */
export function describeRuntimeDriver(
  title: string,
  setup: () => Promise<{ driver: RuntimeDriver; teardown?: () => Promise<void> }>,
): void {
  describe(title, () => {
    const run = uniqueRunId(title.toLowerCase().replace(/[^a-z]/g, ''));
    const labels = { [TEST_RUN_LABEL]: run, [LABELS.node]: run };
    let driver: RuntimeDriver;
    let teardown: (() => Promise<void>) | undefined;
    const events: ContainerEvent[] = [];
    let unsubscribe = () => {};
    let counter = 0;

    const sandbox = (extra: Partial<Parameters<RuntimeDriver['createSandbox']>[0]> = {}) =>
      driver.createSandbox({ name: `${run}-p${++counter}`, labels: { ...labels }, ports: [], ...extra });

    const container = (sb: Sandbox, extra: Partial<ContainerConfig> = {}): ContainerConfig => {
      const name = `${run}-c${++counter}`;
      return {
        name,
        sandboxId: sb.id,
        image: TEST_IMAGES.busybox,
        env: {},
        labels: { ...labels, [LABELS.container]: name, [LABELS.containerKind]: 'app' },
        mounts: [],
        stopTimeoutSeconds: 0,
        ...extra,
      };
    };

    const runToExit = async (config: ContainerConfig) => {
      const id = await driver.createContainer(config);
      await driver.startContainer(id);
      const died = await waitFor('died event', () => events.find((e) => e.containerId === id && e.type === 'died'));
      return { id, died };
    };

    beforeAll(async () => {
      ({ driver, teardown } = await setup());
      unsubscribe = driver.events({ [LABELS.node]: run }, (e) => events.push(e));
    });

    afterAll(async () => {
      unsubscribe();
      await cleanupByLabel(run);
      await teardown?.();
    });

    it('reports its version and finds local images', async () => {
      expect(await driver.version()).toMatch(/^\d+\.\d+/);
      expect(await driver.imageExists(TEST_IMAGES.busybox)).toBe(true);
      expect(await driver.imageExists('localhost/edge-test/nope:1')).toBe(false);
      if (driver.imageId) {
        // The optional id lookup agrees with the id a container of that image reports.
        const id = await driver.imageId(TEST_IMAGES.busybox);
        expect(id).toMatch(/^(sha256:)?[0-9a-f]{64}$/);
        expect(await driver.imageId('localhost/edge-test/nope:1')).toBeUndefined();
        const sb = await sandbox();
        const c = await driver.createContainer(container(sb, { image: TEST_IMAGES.busybox }));
        expect((await driver.inspectContainer(c))?.imageId).toBe(id);
      }
    });

    it('runs a sandbox and a container through their whole lifecycle', async () => {
      const sb = await sandbox({ hostname: 'web-1' });
      expect(sb.state).toBe('running');
      expect(sb.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(sb.labels[TEST_RUN_LABEL]).toBe(run);
      expect((await driver.listSandboxes({ [TEST_RUN_LABEL]: run })).map((s) => s.id)).toContain(sb.id);
      expect((await driver.inspectSandbox(sb.id))?.ip).toBe(sb.ip);

      const config = container(sb, { command: ['sleep', '600'] });
      const id = await driver.createContainer(config);
      const created = await driver.inspectContainer(id);
      expect(created).toMatchObject({ id, name: config.name, state: 'created', image: TEST_IMAGES.busybox });
      expect(created?.labels[LABELS.container]).toBe(config.name);
      expect(created?.labels[LABELS.owner]).toBe('peapod');

      await driver.startContainer(id);
      const running = await driver.inspectContainer(id);
      expect(running?.state).toBe('running');
      expect(Date.parse(running?.startedAt ?? '')).not.toBeNaN();
      expect(running?.finishedAt).toBeUndefined();
      await waitFor('start event', () => events.find((e) => e.containerId === id && e.type === 'start'));
      expect((await driver.exec(id, ['hostname'])).stdout).toBe('web-1\n');

      await driver.stopContainer(id, 0);
      const stopped = await driver.inspectContainer(id);
      expect(stopped?.state).toBe('exited');
      expect(stopped?.exitCode).toBe(137);
      expect(Date.parse(stopped?.finishedAt ?? '')).not.toBeNaN();

      await driver.removeContainer(id);
      expect(await driver.inspectContainer(id)).toBeUndefined();
      await driver.removeContainer(id); // idempotent
      await driver.removeSandbox(sb.id);
      expect(await driver.inspectSandbox(sb.id)).toBeUndefined();
      expect((await driver.listSandboxes({ [TEST_RUN_LABEL]: run })).map((s) => s.id)).not.toContain(sb.id);
      await driver.removeSandbox(sb.id); // idempotent
    });

    it('removes a sandbox together with containers still running in it', async () => {
      const sb = await sandbox();
      const id = await driver.createContainer(container(sb, { command: ['sleep', '600'] }));
      await driver.startContainer(id);
      await driver.removeSandbox(sb.id);
      expect(await driver.inspectContainer(id)).toBeUndefined();
      expect(await driver.inspectSandbox(sb.id)).toBeUndefined();
    });

    it('publishes a hostPort on 127.0.0.1 and shares localhost inside the sandbox', async () => {
      const port = await freePort();
      const sb = await sandbox({
        ports: [{ containerPort: 8080, hostPort: port, hostIP: '127.0.0.1', protocol: 'tcp' }],
      });
      const web = await driver.createContainer(container(sb, { image: TEST_IMAGES.httpd }));
      await driver.startContainer(web);
      const body = await fetchWithRetry(`http://127.0.0.1:${port}/`);
      expect(body).toBe('hello from busybox httpd\n');

      const side = await driver.createContainer(container(sb, { command: ['sleep', '600'] }));
      await driver.startContainer(side);
      const fromSidecar = await driver.exec(side, ['timeout', '5', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']);
      expect(fromSidecar).toMatchObject({ exitCode: 0, stdout: 'hello from busybox httpd\n' });
    });

    it('runs hostNetwork sandboxes in the host network with the host name', async () => {
      const sb = await sandbox({ hostNetwork: true });
      expect(sb.state).toBe('running');
      expect(sb.ip).toBeUndefined();
      const id = await driver.createContainer(container(sb, { command: ['sleep', '600'] }));
      await driver.startContainer(id);
      const netns = await driver.exec(id, ['readlink', '/proc/self/ns/net']);
      expect(netns.stdout.trim()).toBe(readlinkSync('/proc/self/ns/net'));
      expect((await driver.exec(id, ['hostname'])).stdout.trim()).toBe(hostname());
    });

    it('reports a taken host port as PortInUse and leaves nothing behind', async () => {
      const port = await freePort();
      const holder: Server = createServer();
      await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
      try {
        const name = `${run}-busy`;
        const attempt = driver.createSandbox({
          name,
          labels: { ...labels, 'io.peapod.test.case': 'busy' },
          ports: [{ containerPort: 8080, hostPort: port, hostIP: '127.0.0.1', protocol: 'tcp' }],
        });
        await expect(attempt).rejects.toSatisfy((e: unknown) => isRuntimeError(e, 'PortInUse'));
        expect(await driver.listSandboxes({ 'io.peapod.test.case': 'busy', [TEST_RUN_LABEL]: run })).toEqual([]);
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    });

    it('reports exit codes in events and inspect, 0 included, each death once', async () => {
      const sb = await sandbox();
      const seven = await runToExit(container(sb, { image: TEST_IMAGES.exit, env: { EXIT_CODE: '7' } }));
      expect(seven.died.exitCode).toBe(7);
      expect(seven.died.labels[TEST_RUN_LABEL]).toBe(run);
      const info = await driver.inspectContainer(seven.id);
      expect(info).toMatchObject({ state: 'exited', exitCode: 7 });
      expect(Date.parse(info?.startedAt ?? '')).not.toBeNaN();
      expect(Date.parse(info?.finishedAt ?? '')).not.toBeNaN();

      const zero = await runToExit(container(sb, { command: ['true'] }));
      expect(zero.died.exitCode).toBe(0);
      expect((await driver.inspectContainer(zero.id))?.exitCode).toBe(0);

      await driver.removeContainer(seven.id);
      await waitFor('remove event', () => events.find((e) => e.containerId === seven.id && e.type === 'remove'));
      expect(events.filter((e) => e.containerId === seven.id && e.type === 'died')).toHaveLength(1);
      // The infra container is never reported as a container.
      expect(events.some((e) => e.labels[LABELS.containerKind] === 'infra')).toBe(false);
    });

    it('maps command to entrypoint and args to cmd, with env and workingDir', async () => {
      const sb = await sandbox();
      const both = await runToExit(
        container(sb, {
          command: ['sh', '-c'],
          args: ['echo "$GREETING from $(pwd)"'],
          env: { GREETING: 'hi' },
          workingDir: '/tmp',
        }),
      );
      expect(await collectLogs(driver, both.id, {})).toBe('hi from /tmp\n');
      const argsOnly = await runToExit(container(sb, { image: TEST_IMAGES.exit, args: [] }));
      expect(argsOnly.died.exitCode).toBe(3); // image entrypoint and default EXIT_CODE kept
      const commandOnly = await runToExit(container(sb, { command: ['echo', 'only'] }));
      expect(await collectLogs(driver, commandOnly.id, {})).toBe('only\n'); // image CMD not appended
    });

    it('kills a container over its memory limit with 137', async () => {
      const sb = await sandbox();
      const limit = 16 * 1024 * 1024;
      const hog = await runToExit(container(sb, { image: TEST_IMAGES.memhog, memoryLimitBytes: limit }));
      expect(hog.died.exitCode).toBe(137);
      const info = await driver.inspectContainer(hog.id);
      expect(info).toMatchObject({ state: 'exited', exitCode: 137, memoryLimitBytes: limit });
      expect(typeof info?.oomKilled).toBe('boolean');
    });

    it('execs with exit codes, stdin, timeouts and errors for stopped containers', async () => {
      const sb = await sandbox();
      const id = await driver.createContainer(container(sb, { command: ['sleep', '600'] }));
      await driver.startContainer(id);
      expect(await driver.exec(id, ['sh', '-c', 'echo out; echo err >&2; exit 42'])).toEqual({
        exitCode: 42,
        stdout: 'out\n',
        stderr: 'err\n',
      });
      expect(await driver.exec(id, ['cat'], { stdin: 'fed through stdin' })).toMatchObject({
        exitCode: 0,
        stdout: 'fed through stdin',
      });
      await expect(driver.exec(id, ['sleep', '30'], { timeoutMs: 300 })).rejects.toSatisfy((e: unknown) =>
        isRuntimeError(e, 'Timeout'),
      );
      await driver.stopContainer(id, 0);
      await expect(driver.exec(id, ['true'])).rejects.toSatisfy((e: unknown) => isRuntimeError(e, 'NotRunning'));
      await driver.removeContainer(id);
      await expect(driver.exec(id, ['true'])).rejects.toSatisfy((e: unknown) => isRuntimeError(e, 'NotFound'));
    });

    it('streams interactive exec sessions with stdin and a TTY', async () => {
      const sb = await sandbox();
      const id = await driver.createContainer(container(sb, { command: ['sleep', '600'] }));
      await driver.startContainer(id);
      const session = async (command: string[], options: { stdin: boolean; tty: boolean }) => {
        const out = { stdout: '', stderr: '' };
        let onExit: (r: { code: number; error?: string }) => void = () => undefined;
        const exited = new Promise<{ code: number; error?: string }>((resolve) => {
          onExit = resolve;
        });
        const control = await driver.execStream!(id, command, options, {
          onStdout: (d) => {
            out.stdout += d.toString();
          },
          onStderr: (d) => {
            out.stderr += d.toString();
          },
          onExit: (code, error) => onExit(error ? { code, error } : { code }),
        });
        return { out, exited, control };
      };

      const shell = await session(['sh'], { stdin: true, tty: false });
      shell.control.writeStdin('echo hi; echo oops >&2\n');
      await waitFor('first answer', () => (shell.out.stdout === 'hi\n' ? true : undefined));
      shell.control.writeStdin(Buffer.from('exit 3\n'));
      expect(await shell.exited).toEqual({ code: 3 });
      expect(shell.out.stderr).toBe('oops\n');

      const tty = await session(['tty'], { stdin: false, tty: true });
      tty.control.resize(100, 30);
      expect(await tty.exited).toEqual({ code: 0 });
      expect(tty.out.stdout).toMatch(/^\/dev\/pts\/\d+\r?\n$/);

      const eof = await session(['cat'], { stdin: true, tty: false });
      eof.control.writeStdin('until EOF');
      eof.control.closeStdin();
      expect(await eof.exited).toEqual({ code: 0 });
      expect(eof.out.stdout).toBe('until EOF');

      await driver.stopContainer(id, 0);
      await expect(session(['true'], { stdin: false, tty: false })).rejects.toSatisfy((e: unknown) =>
        isRuntimeError(e, 'NotRunning'),
      );
    });

    it('serves logs with tail, timestamps, since and follow', async () => {
      const sb = await sandbox();
      const done = await runToExit(container(sb, { command: ['sh', '-c', 'echo line 1; echo line 2; echo line 3'] }));
      expect(await collectLogs(driver, done.id, {})).toBe('line 1\nline 2\nline 3\n');
      expect(await collectLogs(driver, done.id, { tail: 2 })).toBe('line 2\nline 3\n');
      const stamped = (await collectLogs(driver, done.id, { timestamps: true })).trim().split('\n');
      expect(stamped).toHaveLength(3);
      for (const line of stamped)
        expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) line \d$/);

      // early, a pause, late: `since` picks a point inside the pause from the observed timestamps.
      const slow = await driver.createContainer(
        container(sb, { command: ['sh', '-c', 'echo early; sleep 5; echo late; exec sleep 600'] }),
      );
      await driver.startContainer(slow);
      const seen: string[] = [];
      const abort = new AbortController();
      const follow = driver.logs(
        slow,
        { follow: true, timestamps: true },
        (chunk) => {
          seen.push(...chunk.toString().split('\n').filter(Boolean));
          if (seen.some((l) => l.endsWith(' late'))) abort.abort();
        },
        abort.signal,
      );
      await follow; // returns once aborted
      expect(seen.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['early', 'late']);
      const lateAt = Date.parse(seen[1].split(' ')[0]);
      const sinceSeconds = Math.ceil((Date.now() - lateAt) / 1000) + 2;
      expect(await collectLogs(driver, slow, { sinceSeconds })).toBe('late\n');

      // follow ends by itself when the container exits
      const short = await driver.createContainer(
        container(sb, { command: ['sh', '-c', 'echo one; sleep 1; echo two'] }),
      );
      await driver.startContainer(short);
      expect(await collectLogs(driver, short, { follow: true })).toBe('one\ntwo\n');

      await driver.removeContainer(done.id);
      await expect(collectLogs(driver, done.id, {})).rejects.toSatisfy((e: unknown) => isRuntimeError(e, 'NotFound'));
    });

    it('reports CPU and memory use', async () => {
      const sb = await sandbox();
      const busy = await driver.createContainer(
        container(sb, { command: ['sh', '-c', 'while :; do :; done'], cpuLimitMilli: 500, cpuRequestMilli: 100 }),
      );
      await driver.startContainer(busy);
      const [first] = await driver.stats([busy]);
      expect(first.containerId).toBe(busy);
      expect(first.memoryBytes).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 500));
      const [second] = await driver.stats([busy]);
      expect(second.cpuMilli).toBeGreaterThan(0);
      expect(await driver.stats([])).toEqual([]);
    });

    it('lists containers by label, without infra containers', async () => {
      const sb = await sandbox();
      const a = container(sb, { command: ['sleep', '600'], labels: { ...labels, [LABELS.container]: 'a', kind: 'x' } });
      const b = container(sb, { command: ['sleep', '600'], labels: { ...labels, [LABELS.container]: 'b', kind: 'x' } });
      const ida = await driver.createContainer(a);
      const idb = await driver.createContainer(b);
      await driver.startContainer(ida);
      const listed = await driver.listContainers({ [TEST_RUN_LABEL]: run, kind: 'x' });
      expect(listed.map((c) => c.id).sort()).toEqual([ida, idb].sort());
      expect(listed.find((c) => c.id === ida)?.state).toBe('running');
      expect(listed.find((c) => c.id === idb)?.state).toBe('created');
      const onlyA = await driver.listContainers({ [TEST_RUN_LABEL]: run, [LABELS.container]: 'a' });
      expect(onlyA.map((c) => c.id)).toEqual([ida]);
    });

    it('stops with SIGTERM first and SIGKILL after the timeout', async () => {
      const sb = await sandbox();
      // httpd as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM: only SIGKILL ends it.
      const stubborn = await driver.createContainer(
        container(sb, { image: TEST_IMAGES.httpd, stopTimeoutSeconds: 30 }),
      );
      await driver.startContainer(stubborn);
      await driver.stopContainer(stubborn, 1);
      expect(await driver.inspectContainer(stubborn)).toMatchObject({ state: 'exited', exitCode: 137 });

      const polite = await driver.createContainer(
        container(sb, { command: ['sh', '-c', 'trap "exit 0" TERM; echo trapped; while :; do sleep 0.1; done'] }),
      );
      await driver.startContainer(polite);
      await waitForLogLine(driver, polite, 'trapped'); // PID 1 ignores SIGTERM until the trap is set
      await driver.stopContainer(polite, 30);
      expect(await driver.inspectContainer(polite)).toMatchObject({ state: 'exited', exitCode: 0 });
    });

    it('surfaces the runtime message when an image cannot be pulled', async () => {
      const sb = await sandbox();
      const attempt = driver.createContainer(container(sb, { image: 'registry.invalid/peapod/none:1' }));
      await expect(attempt).rejects.toSatisfy(
        (e: unknown) => isRuntimeError(e, 'ImagePull') && e.message.includes('registry.invalid'),
      );
    });
  });
}

async function fetchWithRetry(url: string): Promise<string> {
  let lastError: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      const response = await fetch(url);
      return await response.text();
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw lastError;
}

/** Follows a container's log until a line equal to `line` appears. */
export async function waitForLogLine(driver: RuntimeDriver, id: string, line: string): Promise<void> {
  const abort = new AbortController();
  let text = '';
  await driver.logs(
    id,
    { follow: true },
    (chunk) => {
      text += chunk.toString();
      if (text.split('\n').includes(line)) abort.abort();
    },
    abort.signal,
  );
  if (!text.split('\n').includes(line)) throw new Error(`log of ${id} ended without "${line}"`);
}

export async function collectLogs(
  driver: RuntimeDriver,
  id: string,
  options: Parameters<RuntimeDriver['logs']>[1],
): Promise<string> {
  const chunks: Buffer[] = [];
  await driver.logs(id, options, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks).toString();
}
