import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@peapod/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  NODES,
  PODS,
  readyCondition,
  startTestHub,
  type TestHub,
  tempDir,
} from '../../hub/test/mqtt-harness.js';
import { ClusterIpRules } from '../src/services/cluster-ip-rules.js';

/**
 * End to end with real processes: an in-process hub slice (store, service, MQTT component) and a
 * real agent process (compiled dist, podman runtime). Run `npx tsc -b agent` first.
 */
const CONTAINERS_CONF = fileURLToPath(new URL('../../ci/containers.conf', import.meta.url));
const MAIN = fileURLToPath(new URL('./fixtures/agent-main.mjs', import.meta.url));
const runId = randomBytes(3).toString('hex');
const nodeName = `proc-${runId}`;
const otherName = `proc-${runId}-b`;
const hubDir = tempDir('peapod-proc-hub-');
const agentDir = tempDir('peapod-proc-agent-');
const otherDir = tempDir('peapod-proc-agent-b-');
let h: TestHub;
let agent: ChildProcess | undefined;
let other: ChildProcess | undefined;

function podman(args: string[]): string {
  return execFileSync('podman', args, { env: { ...process.env, CONTAINERS_CONF }, encoding: 'utf8' });
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}

function startAgentProcess(name = nodeName, dataDir = agentDir.path): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      '--hub',
      h.url,
      '--token',
      h.token,
      '--name',
      name,
      '--data-dir',
      dataDir,
      '--profile',
      'generic-amd64',
      '--heartbeat-interval',
      '2s',
      '--containers-conf',
      CONTAINERS_CONF,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('agent-ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`agent exited ${code}: ${err.slice(-2000)}`)));
  });
}

function node(name = nodeName): KubeObject | undefined {
  try {
    return h.service.get(NODES, undefined, name);
  } catch {
    return undefined;
  }
}

function pod(name: string): KubeObject | undefined {
  try {
    return h.service.get(PODS, 'default', name);
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  h = await startTestHub(hubDir.path);
});

afterAll(async () => {
  for (const child of [agent, other]) {
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  await h?.stop();
  for (const name of [nodeName, otherName]) await ClusterIpRules.removeLeftovers(name);
  // Pods first (removing a pod removes its infra container), then any stray container.
  const ids = (args: string[]) => podman(args).split('\n').filter(Boolean);
  for (const id of ids(['pod', 'ps', '-q', '--filter', `label=io.peapod.node=${nodeName}`]))
    podman(['pod', 'rm', '-f', '-t', '0', id]);
  for (const id of ids(['ps', '-aq', '--filter', `label=io.peapod.node=${nodeName}`]))
    podman(['rm', '-f', '-t', '0', id]);
  hubDir.remove();
  agentDir.remove();
  otherDir.remove();
});

describe('real agent process', () => {
  it('joins, runs a pod, goes Unknown when killed, and comes back adopting its pod', async () => {
    [agent, other] = await Promise.all([startAgentProcess(), startAgentProcess(otherName, otherDir.path)]);
    await eventually(() => readyCondition(node() ?? ({} as KubeObject))?.status === 'True', 'node Ready', 60_000);
    await eventually(() => readyCondition(node(otherName) ?? ({} as KubeObject))?.status === 'True', 'b Ready', 60_000);
    expect(node()!.status.nodeInfo.containerRuntimeVersion).toMatch(/^podman:\/\/4\./);

    h.service.create(PODS, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'sleeper', namespace: 'default' },
      spec: {
        nodeName,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'localhost/edge-test/busybox:1',
            imagePullPolicy: 'Never',
            command: ['sleep', '3600'],
          },
        ],
      },
    });
    await eventually(() => pod('sleeper')?.status?.phase === 'Running', 'pod Running', 90_000);
    const containerID = pod('sleeper')!.status.containerStatuses[0].containerID;
    console.log(`[measure] agent RSS with one pod: ${rssMiB(agent.pid!)} MiB; idle agent: ${rssMiB(other!.pid!)} MiB`);

    // exec through the hub's NodeProxy: run-to-completion and an interactive session with stdin.
    const proxy = h.context.nodeProxy!;
    const ref = { namespace: 'default', name: 'sleeper', uid: pod('sleeper')!.metadata.uid! };
    const run = (command: string[], stdin: boolean, input?: string) =>
      new Promise<{ out: string; code: number }>((resolve, reject) => {
        let out = '';
        proxy
          .exec(
            nodeName,
            ref,
            { container: 'main', command, stdin, tty: false },
            {
              onStdout: (d) => {
                out += d;
              },
              onStderr: () => {},
              onExit: (code) => resolve({ out, code }),
            },
          )
          .then((session) => {
            if (input !== undefined) {
              session.writeStdin(Buffer.from(input));
              session.closeStdin();
            }
          }, reject);
      });
    expect(await run(['echo', 'hi'], false)).toEqual({ out: 'hi\n', code: 0 });
    expect(await run(['sh', '-c', 'read x; echo got-$x; exit 7'], true, 'hello\n')).toEqual({
      out: 'got-hello\n',
      code: 7,
    });

    // SIGKILL: no clean MQTT disconnect, the broker publishes the Last Will.
    const killedAt = Date.now();
    process.kill(agent.pid!, 'SIGKILL');
    await eventually(() => readyCondition(node()!)?.status === 'Unknown', 'node Unknown after SIGKILL', 60_000);
    const detectionMs = Date.now() - killedAt;
    console.log(`[measure] SIGKILL → node Ready=Unknown in ${detectionMs} ms`);
    expect(detectionMs).toBeLessThan(50_000); // generous ceiling: the grace period; the will is far faster
    expect(readyCondition(node()!).reason).toBe('NodeStatusUnknown');
    expect(readyCondition(node(otherName)!).status).toBe('True'); // the other node is unaffected

    agent = await startAgentProcess(); // same data dir: stored credential, no token needed again
    await eventually(() => readyCondition(node()!)?.status === 'True', 'node Ready again', 60_000);
    await eventually(() => pod('sleeper')?.status?.phase === 'Running', 'pod still Running', 60_000);
    expect(pod('sleeper')!.status.containerStatuses[0].containerID).toBe(containerID);

    h.service.delete(PODS, 'default', 'sleeper');
    await eventually(() => !pod('sleeper'), 'pod removed after the agent confirmed', 90_000);
  }, 300_000);
});
