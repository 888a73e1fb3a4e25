import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinHint } from '../src/mqtt/component.js';
import { startTestHub, type TestHub, tempDir } from './mqtt-harness.js';

describe('the join hint a starting hub prints', () => {
  const dir = tempDir('peapod-describe-');
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(dir.path);
  });
  afterAll(async () => {
    await hub.stop();
    dir.remove();
  });

  it('names the port the embedded broker really listens on and the join token', () => {
    const port = hub.mqtt.info().mqttsPort;
    expect(port).not.toBe(8883); // the harness asks for any free port
    expect(hub.mqtt.describe?.()).toEqual([
      '',
      'Join a device with:',
      `  peapod agent --hub mqtts://<this-host>:${port} --token ${hub.token}`,
    ]);
  });

  it('points at an external broker without repeating the hub password', () => {
    const lines = joinHint({ broker: 'mqtts://hub:s3cret@broker.lan:8884' }, undefined, undefined).join('\n');
    expect(lines).toContain('--hub mqtts://broker.lan:8884');
    expect(lines).toContain('--password-file');
    expect(lines).not.toContain('s3cret');
  });
});
