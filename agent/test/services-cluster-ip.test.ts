import { afterAll, describe, expect, it } from 'vitest';
import { ClusterIpRules } from '../src/services/cluster-ip-rules.js';
import { ServiceProxy } from '../src/services/service-proxy.js';
import { cleanupByLabel, freePort, podman, TEST_IMAGES, TEST_RUN_LABEL, uniqueRunId } from './helpers/podman.js';

/**
 * A pod reaches a Service at its ClusterIP: iptables REDIRECT on this node sends `clusterIP:port`
 * to the agent's local proxy, which forwards to the endpoint (a real httpd pod).
 */
describe('ClusterIP with real podman and iptables', () => {
  const run = uniqueRunId('clusterip');
  const rules = new ClusterIpRules(run);
  let proxy: ServiceProxy | undefined;

  afterAll(async () => {
    await proxy?.close();
    await rules.close();
    await cleanupByLabel(run);
  });

  it('serves a pod through the Service address', async () => {
    const web = await podman([
      'run',
      '-d',
      '--pull=never',
      '--name',
      `${run}-web`,
      '--label',
      `${TEST_RUN_LABEL}=${run}`,
      TEST_IMAGES.httpd,
    ]);
    expect(web.exitCode, web.stderr).toBe(0);
    const ip = (
      await podman(['inspect', `${run}-web`, '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'])
    ).stdout.trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    proxy = new ServiceProxy({ nodeName: run, listenHost: '127.0.0.1', relayPort: await freePort() });
    await proxy.start();
    await proxy.update({
      version: '1',
      services: [
        {
          namespace: 'default',
          name: 'web',
          portName: '',
          protocol: 'TCP',
          port: 80,
          clusterIP: '10.43.200.7',
          sessionAffinity: 'None',
          affinityTimeoutSeconds: 10800,
          endpoints: [{ ip, port: 8080, nodeName: run, nodeAddress: '127.0.0.1', ready: true }],
        },
      ],
    });
    const ports = proxy.clusterPorts();
    expect(ports).toEqual([{ clusterIP: '10.43.200.7', port: 80, localPort: expect.any(Number) }]);
    await rules.apply(ports);

    const client = await podman([
      'run',
      '--rm',
      '--pull=never',
      '--label',
      `${TEST_RUN_LABEL}=${run}`,
      TEST_IMAGES.busybox,
      'timeout',
      '5',
      'wget',
      '-qO-',
      'http://10.43.200.7/',
    ]);
    expect(client.stdout.trim()).toBe('hello from busybox httpd');
  });
});
