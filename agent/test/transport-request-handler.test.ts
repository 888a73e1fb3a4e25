import type { ProxyRequest, ProxyResponse } from '@peapod/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { PodManager } from '../src/pods/types.js';
import { LABELS } from '../src/runtime/driver.js';
import { PodmanDriver } from '../src/runtime/podman.js';
import { RequestHandler } from '../src/transport/request-handler.js';
import {
  CONTAINERS_CONF,
  cleanupByLabel,
  TEST_IMAGES,
  TEST_RUN_LABEL,
  uniqueRunId,
  waitFor,
} from './helpers/podman.js';

/**
 * Interactive exec through the agent's request handler with real podman: input that overtakes its
 * exec request on the broker (different QoS levels are not ordered) is held and replayed.
 */
describe('RequestHandler interactive exec (real podman)', () => {
  const run = uniqueRunId('reqh');
  const driver = new PodmanDriver({ containersConf: CONTAINERS_CONF });
  afterAll(() => cleanupByLabel(run));

  it('delivers stdin that arrived before the exec request', async () => {
    const labels = { [TEST_RUN_LABEL]: run, [LABELS.node]: run };
    const sandbox = await driver.createSandbox({ name: `${run}-p`, labels, ports: [] });
    const id = await driver.createContainer({
      name: `${run}-c`,
      sandboxId: sandbox.id,
      image: TEST_IMAGES.busybox,
      command: ['sleep', '300'],
      env: {},
      labels: { ...labels, [LABELS.podUid]: 'uid-1', [LABELS.container]: 'main' },
      mounts: [],
      stopTimeoutSeconds: 0,
    });
    await driver.startContainer(id);

    const responses: Omit<ProxyResponse, 'v'>[] = [];
    // Interactive exec never touches the pod manager (the driver streams directly).
    const handler = new RequestHandler({} as PodManager, async (r) => responses.push(r), driver);
    const input = (body: Record<string, unknown>) => ({ v: 1, id: 'req-1', ...body }) as ProxyRequest;
    handler.handle(input({ kind: 'stdin', data: Buffer.from('hello from stdin\n').toString('base64') }));
    handler.handle(input({ kind: 'close-stdin' }));
    handler.handle(
      input({
        kind: 'exec',
        pod: { namespace: 'default', name: 'p', uid: 'uid-1' },
        container: 'main',
        command: ['cat'],
        stdin: true,
        tty: false,
      }),
    );
    const end = await waitFor('exec end', () => responses.find((r) => r.type === 'end'), 60_000);
    expect(end.exitCode).toBe(0);
    const stdout = responses
      .filter((r) => r.type === 'stdout')
      .map((r) => Buffer.from(r.data ?? '', 'base64').toString())
      .join('');
    expect(stdout).toBe('hello from stdin\n');
  });
});
