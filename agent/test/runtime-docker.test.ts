import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerEvent, DockerDriver, LABELS } from '../src/index.js';
import { cleanupByLabel, freePort, TEST_IMAGES, TEST_RUN_LABEL, uniqueRunId, waitFor } from './helpers/podman.js';
import { describeRuntimeDriver } from './helpers/podman-runtime-suite.js';
import { startPodmanService } from './helpers/podman-service.js';

describeRuntimeDriver('DockerDriver', async () => {
  const service = await startPodmanService();
  const driver = new DockerDriver({ socketPath: service.socketPath });
  return {
    driver,
    teardown: async () => {
      driver.close();
      await service.stop();
    },
  };
});

describe('DockerDriver seen by the real Docker CLI', () => {
  const run = uniqueRunId('dkcli');
  const labels = { [TEST_RUN_LABEL]: run, [LABELS.node]: run };
  let service: Awaited<ReturnType<typeof startPodmanService>>;
  let driver: DockerDriver;
  const docker = async (args: string[]) =>
    (await execa('docker', args, { env: { DOCKER_HOST: `unix://${service.socketPath}` } })).stdout;

  beforeAll(async () => {
    service = await startPodmanService();
    driver = new DockerDriver({ socketPath: service.socketPath });
  });
  afterAll(async () => {
    await cleanupByLabel(run);
    driver.close();
    await service.stop();
  });

  it('builds a dockershim-style pod: infra with the ports, containers in its network namespace', async () => {
    const port = await freePort();
    const sb = await driver.createSandbox({
      name: `${run}-p`,
      labels,
      ports: [{ containerPort: 8080, hostPort: port, hostIP: '127.0.0.1', protocol: 'tcp' }],
    });
    const id = await driver.createContainer({
      name: `${run}-web`,
      sandboxId: sb.id,
      image: TEST_IMAGES.httpd,
      env: {},
      labels: { ...labels, [LABELS.container]: 'web' },
      mounts: [],
    });
    await driver.startContainer(id);
    const listed = await docker(['ps', '--filter', `label=${TEST_RUN_LABEL}=${run}`, '--format', '{{.Names}}']);
    expect(listed.split('\n').sort()).toEqual([`${run}-p`, `${run}-web`].sort());
    expect(await docker(['inspect', '-f', '{{.HostConfig.NetworkMode}}', id])).toBe(`container:${sb.id}`);
    expect(await docker(['port', sb.id])).toContain(`127.0.0.1:${port}`);
    await driver.removeSandbox(sb.id);
    expect(await docker(['ps', '-a', '--filter', `label=${TEST_RUN_LABEL}=${run}`, '--format', '{{.Names}}'])).toBe('');
  });
});

describe('DockerDriver event stream', () => {
  const run = uniqueRunId('dkev');
  const labels = { [TEST_RUN_LABEL]: run, [LABELS.node]: run };
  afterAll(() => cleanupByLabel(run));

  it('reconnects to a restarted engine and reports each death once', async () => {
    let service = await startPodmanService();
    const driver = new DockerDriver({ socketPath: service.socketPath });
    const events: ContainerEvent[] = [];
    const unsubscribe = driver.events({ [TEST_RUN_LABEL]: run }, (e) => events.push(e));
    try {
      const sb = await driver.createSandbox({ name: `${run}-p`, labels, ports: [] });
      const runExit = async (name: string, code: string) => {
        const id = await driver.createContainer({
          name: `${run}-${name}`,
          sandboxId: sb.id,
          image: TEST_IMAGES.exit,
          env: { EXIT_CODE: code },
          labels,
          mounts: [],
        });
        await driver.startContainer(id);
        return waitFor(`died ${name}`, () => events.find((e) => e.containerId === id && e.type === 'died'));
      };
      expect((await runExit('a', '3')).exitCode).toBe(3);
      const openedBefore = driver.eventStream.opened;
      const endsBefore = driver.eventStreamEnds();

      await service.stop(); // the engine goes away: the event stream ends
      service = await startPodmanService(service.socketPath);

      expect((await runExit('b', '4')).exitCode).toBe(4);
      expect(driver.eventStream.opened).toBeGreaterThan(openedBefore);
      expect(driver.eventStreamEnds()).toBeGreaterThan(endsBefore);
      expect(events.filter((e) => e.type === 'died').map((e) => e.exitCode)).toEqual([3, 4]);
    } finally {
      unsubscribe();
      driver.close();
      await service.stop();
    }
  });
});
