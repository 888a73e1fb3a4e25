import { afterAll, describe, expect, it } from 'vitest';
import { type ContainerEvent, LABELS, PodmanDriver } from '../src/index.js';
import {
  CONTAINERS_CONF,
  childPids,
  cleanupByLabel,
  TEST_IMAGES,
  TEST_RUN_LABEL,
  uniqueRunId,
  waitFor,
} from './helpers/podman.js';
import { describeRuntimeDriver } from './helpers/podman-runtime-suite.js';

describeRuntimeDriver('PodmanDriver', async () => ({ driver: new PodmanDriver({ containersConf: CONTAINERS_CONF }) }));

describe('PodmanDriver event stream', () => {
  const run = uniqueRunId('evr');
  const labels = { [TEST_RUN_LABEL]: run, [LABELS.node]: run };
  afterAll(() => cleanupByLabel(run));

  it('restarts `podman events` when it dies and reports each death once', async () => {
    const driver = new PodmanDriver({ containersConf: CONTAINERS_CONF });
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

      const [pid] = childPids('events');
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      await waitFor('events process gone', () => (childPids('events').includes(pid) ? undefined : true));

      expect((await runExit('b', '4')).exitCode).toBe(4);
      expect(driver.eventStream.opened).toBeGreaterThanOrEqual(2);
      // The node's runtime health check sees the ended stream and checks for real on its next tick.
      expect(driver.eventStreamEnds()).toBeGreaterThanOrEqual(1);
      // The restarted stream replays from the newest event seen; nothing arrives twice.
      const died = events.filter((e) => e.type === 'died').map((e) => e.exitCode);
      expect(died).toEqual([3, 4]);
    } finally {
      unsubscribe();
    }
  });
});
