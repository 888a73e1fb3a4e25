import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startAgent } from '@peapod/agent';
import { type KubeObject, nodeUsername, topics } from '@peapod/core';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  NODES,
  PODS,
  podObject,
  RecordingPodManager,
  rawClient,
  readyCondition,
  startTestHub,
  type TestHub,
  tempDir,
  versionOnlyDriver,
} from './mqtt-harness.js';

/**
 * The hub and agents against Debian's Mosquitto: password file, `%u` ACL patterns (the file
 * docs/protocol.md documents), retained desired state, Last Will.
 */
const MOSQUITTO = '/usr/sbin/mosquitto';
const dir = tempDir('peapod-mosquitto-');
let mosquitto: ChildProcess;
let port: number;
let h: TestHub;
let cleanupHubDir = () => {};
const hubPassword = 'hub-secret-1';
const nodes = { 'edge-m1': 'm1-secret', 'edge-m2': 'm2-secret' } as Record<string, string>;

export const MOSQUITTO_ACL = `# Peapod: the hub may do anything under peapod/; a node only its own subtree.
user hub
topic readwrite peapod/#

pattern read peapod/v1/%u/desired/#
pattern read peapod/v1/%u/requests
pattern write peapod/v1/%u/status/#
pattern write peapod/v1/%u/lease
pattern write peapod/v1/%u/responses/#
pattern read peapod/v1/fleet/#
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  port = await freePort();
  const passwd = join(dir.path, 'passwd');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwd, 'hub', hubPassword]);
  for (const [name, pw] of Object.entries(nodes))
    execFileSync('mosquitto_passwd', ['-b', passwd, nodeUsername(name), pw]);
  writeFileSync(join(dir.path, 'acl'), MOSQUITTO_ACL);
  writeFileSync(
    join(dir.path, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(dir.path, 'acl')}`,
      'persistence false',
      'log_dest stderr',
      '',
    ].join('\n'),
  );
  // Mosquitto started as root drops to its own user: it must be able to read its files.
  chmodSync(dir.path, 0o755);
  for (const f of ['passwd', 'acl', 'mosquitto.conf']) chmodSync(join(dir.path, f), 0o644);
  mosquitto = spawn(MOSQUITTO, ['-c', join(dir.path, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let brokerLog = '';
  mosquitto.stderr!.on('data', (d) => {
    brokerLog += d;
  });
  mosquitto.on('exit', (code) => {
    if (code) console.log(`mosquitto exited ${code}: ${brokerLog}`);
  });
  // Wait until the port accepts our hub account.
  for (let i = 0; ; i++) {
    try {
      const probe = await rawClient(`mqtt://127.0.0.1:${port}`, {
        username: 'hub',
        password: hubPassword,
        clientId: 'probe',
      });
      probe.end(true);
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const hubDir = tempDir('peapod-mosquitto-hub-');
  cleanupHubDir = hubDir.remove;
  h = await startTestHub(hubDir.path, { broker: `mqtt://hub:${hubPassword}@127.0.0.1:${port}` });
});

afterAll(async () => {
  await h?.stop();
  if (mosquitto?.pid) process.kill(mosquitto.pid, 'SIGTERM');
  dir.remove();
  cleanupHubDir();
});

function node(name: string): KubeObject | undefined {
  try {
    return h.service.get(NODES, undefined, name);
  } catch {
    return undefined;
  }
}

describe('external Mosquitto broker', () => {
  it('runs the protocol: registration, per-node desired state, status, Last Will', async () => {
    const quiet = { info() {}, warn() {}, error() {} };
    const agents = await Promise.all(
      Object.entries(nodes).map(async ([name, password]) => {
        const data = tempDir(`peapod-mosq-agent-${name}-`);
        const pods = new RecordingPodManager();
        const handle = await startAgent({
          hub: `mqtt://127.0.0.1:${port}`,
          nodeName: name,
          password,
          dataDir: data.path,
          profile: 'generic-arm64',
          driver: versionOnlyDriver,
          podManager: pods,
          heartbeatSeconds: 1,
          log: quiet,
        });
        return { name, pods, handle, data };
      }),
    );
    try {
      for (const { name } of agents)
        await eventually(() => readyCondition(node(name) ?? ({} as KubeObject))?.status === 'True', `${name} Ready`);
      expect(node('edge-m1')!.metadata.labels!['peapod.io/profile']).toBe('generic-arm64');

      h.service.create(PODS, 'default', podObject('m1-pod', 'edge-m1'));
      h.service.create(PODS, 'default', podObject('m2-pod', 'edge-m2'));
      const [m1, m2] = agents;
      const pod = await eventually(() => m1.pods.current?.find((p) => p.metadata.name === 'm1-pod'), 'm1 gets its pod');
      await eventually(() => m2.pods.current?.length === 1, 'm2 gets its pod');
      expect(m2.pods.current!.map((p) => p.metadata.name)).toEqual(['m2-pod']);

      m1.pods.emitStatus(pod, { phase: 'Running', podIP: '10.88.0.9' });
      await eventually(() => h.service.get(PODS, 'default', 'm1-pod').status?.phase === 'Running', 'status written');

      h.service.delete(PODS, 'default', 'm2-pod', { gracePeriodSeconds: 0 });
      await eventually(() => m2.pods.current?.length === 0, 'deletion reaches m2');

      // Mosquitto enforces the ACL: m1's account cannot read m2's desired state.
      const spy: MqttClient = await rawClient(`mqtt://127.0.0.1:${port}`, {
        clientId: 'spy',
        username: nodeUsername('edge-m1'),
        password: nodes['edge-m1'],
      });
      const seen: string[] = [];
      spy.on('message', (t) => seen.push(t));
      await spy.subscribeAsync(topics.desiredAll('edge-m2'), { qos: 1 }).catch(() => undefined);
      await spy.subscribeAsync(topics.desiredAll('edge-m1'), { qos: 1 });
      await eventually(() => seen.some((t) => t === topics.desiredIndex('edge-m1')), 'own retained index');
      expect(seen.every((t) => t.startsWith(topics.nodeRoot('edge-m1')))).toBe(true);
      spy.end(true);

      // Unclean disconnect → Mosquitto publishes the will → Unknown.
      const client = (m2.handle.transport as unknown as { client: { stream: { destroy(): void } } }).client;
      const cut = Date.now();
      client.stream.destroy();
      await eventually(() => readyCondition(node('edge-m2')!)?.status === 'Unknown', 'm2 Unknown');
      console.log(`[measure] Mosquitto Last Will → Ready=Unknown in ${Date.now() - cut} ms`);
    } finally {
      for (const a of agents) {
        await a.handle.stop();
        a.data.remove();
      }
    }
  });
});
