import { request } from 'node:http';
import type { Endpoints, Service } from '@peapod/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster, until } from './helpers/cluster.js';

/**
 * Issue 10 end to end: real hub, three real agents (each with its own loopback node IP), real
 * podman. A 3-replica deployment behind a NodePort answers from all three pods through every
 * node's proxy; a pod failing readiness leaves the rotation and comes back; scaling updates the
 * Endpoints; deleting the Service frees its port. Every pod answers with its own name.
 */
const WEB = (name: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: localhost/edge-test/busybox:1
        command: ["/bin/sh", "-c", "mkdir -p /tmp/www && echo $POD_NAME > /tmp/www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /tmp/www"]
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          exec: {command: ["test", "-f", "/tmp/ready"]}
          periodSeconds: 1
          failureThreshold: 1
`;

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function answers(host: string, port: number, n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await httpGet(host, port));
  return seen;
}

describe('Services across the fleet (NodePort through every node)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ agentCount: 3, prefix: 'svc' });
  }, 180_000);

  afterAll(async () => {
    await cluster?.cleanup();
  }, 120_000);

  it('balances over all ready pods, follows readiness and scaling, frees the port', async () => {
    const apply = await cluster.peapod(['apply', '-f', '-'], WEB('web', 3));
    expect(apply.stdout + apply.stderr).toContain('deployment.apps/web created');
    const expose = await cluster.peapod([
      'expose',
      'deployment',
      'web',
      '--port=80',
      '--target-port=http',
      '--type=NodePort',
    ]);
    expect(expose.stdout).toContain('service/web exposed');
    const svc = (await cluster.get('/api/v1/namespaces/default/services/web')) as Service;
    const nodePort = svc.spec.ports?.[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.spec.clusterIP).toMatch(/^10\.43\./);

    const readyPods = async () => {
      const ep = (await cluster.get('/api/v1/namespaces/default/endpoints/web')) as Endpoints;
      return (ep.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.targetRef?.name as string);
    };
    const pods = await until(
      '3 ready endpoints',
      async () => ((await readyPods()).length === 3 ? readyPods() : false),
      120_000,
    );

    // Every node's NodePort answers, and repeated requests reach all three pods.
    for (const agent of cluster.agents) {
      const seen = await until(
        `node ${agent.name} proxying to all pods`,
        async () => {
          const s = await answers(agent.nodeIP, nodePort, 9).catch(() => new Set<string>());
          return s.size === 3 ? s : false;
        },
        60_000,
      );
      expect([...seen].sort()).toEqual([...pods].sort());
    }

    // `get ep` shows the ready addresses with the resolved target port.
    const ep = await cluster.peapod(['get', 'ep', 'web']);
    expect(ep.stdout).toMatch(/web\s+\S+:8080/);

    // A pod failing readiness stops receiving traffic, and returns when it recovers.
    const victim = pods[0];
    expect((await cluster.peapod(['exec', victim, '--', 'rm', '/tmp/ready'])).code).toBe(0);
    await until('victim out of Endpoints', async () => !(await readyPods()).includes(victim), 30_000);
    const host = cluster.agents[0].nodeIP;
    await until(
      'victim out of rotation',
      async () => {
        const s = await answers(host, nodePort, 8);
        return !s.has(victim) && s.size === 2 ? s : false;
      },
      30_000,
    );
    expect((await cluster.peapod(['exec', victim, '--', 'touch', '/tmp/ready'])).code).toBe(0);
    await until('victim back in rotation', async () => (await answers(host, nodePort, 9)).has(victim), 30_000);

    // A pod created after the Service gets WEB_SERVICE_HOST/PORT and reaches the ClusterIP.
    const run = await cluster.peapod([
      'run',
      'client',
      '--image=localhost/edge-test/busybox:1',
      '--restart=Never',
      '--',
      'sh',
      '-c',
      'echo host=$WEB_SERVICE_HOST; for i in 1 2 3 4 5 6; do timeout 5 wget -qO- http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/ && break; sleep 2; done',
    ]);
    expect(run.stdout + run.stderr).toContain('pod/client created');
    let lastClientLog = '';
    const clientLog = await until(
      'client pod answered through the ClusterIP',
      async () => {
        const logs = await cluster.peapod(['logs', 'client']);
        lastClientLog = `${logs.stdout}${logs.stderr}`;
        return /web-\S+/.test(logs.stdout) ? logs.stdout : false;
      },
      90_000,
    ).catch((e) => {
      throw new Error(`${e.message}; last client log: ${lastClientLog}`);
    });
    expect(clientLog).toContain(`host=${svc.spec.clusterIP}`);
    expect(pods.some((p) => clientLog.includes(p))).toBe(true);

    // Scaling updates the Endpoints.
    expect((await cluster.peapod(['scale', 'deployment', 'web', '--replicas=1'])).code).toBe(0);
    await until('one endpoint left', async () => (await readyPods()).length === 1, 60_000);

    // Deleting the Service frees its port for another Service.
    expect((await cluster.peapod(['delete', 'service', 'web'])).code).toBe(0);
    await until(
      'node port closed',
      async () => {
        try {
          await httpGet(host, nodePort);
          return false;
        } catch {
          return true;
        }
      },
      30_000,
    );
    const again = await cluster.peapod(
      ['apply', '-f', '-'],
      `apiVersion: v1\nkind: Service\nmetadata: {name: again}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, nodePort: ${nodePort}}]\n`,
    );
    expect(again.stdout + again.stderr).toContain('service/again created');
  }, 420_000);
});
