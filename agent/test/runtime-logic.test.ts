import { describe, expect, it } from 'vitest';
import { CpuRateTracker } from '../src/runtime/cpu-rate.js';
import { StreamDemuxer } from '../src/runtime/docker-api.js';
import { containerCreateBody, infraCreateBody, pullReference } from '../src/runtime/docker-config.js';
import { parseDockerEvent } from '../src/runtime/docker-events.js';
import type { ContainerConfig } from '../src/runtime/driver.js';
import { classifyRuntimeMessage } from '../src/runtime/errors.js';
import { EventDeduper, normalizeTime, parseTimeNanos } from '../src/runtime/event-dedupe.js';
import { type EventSource, RuntimeEventStream } from '../src/runtime/event-stream.js';
import { containerCreateArgs, podCreateArgs, publishArg } from '../src/runtime/podman-args.js';
import { podmanErrorText } from '../src/runtime/podman-cli.js';
import { parsePodmanEvent } from '../src/runtime/podman-events.js';
import { Semaphore } from '../src/runtime/semaphore.js';

const base: ContainerConfig = {
  name: 'c1',
  sandboxId: 'pod1',
  image: 'img:1',
  env: { A: '1', B: 'x=y z' },
  labels: { l: 'v' },
  mounts: [{ hostPath: '/h', containerPath: '/c', readOnly: true }],
};

describe('time parsing', () => {
  it('keeps nanosecond precision whatever the number of fraction digits', () => {
    expect(parseTimeNanos('2026-11-22T12:01:47.684560472Z')).toBe(1795348907684560472n);
    expect(parseTimeNanos('2026-11-22T12:01:47.68456047Z')).toBe(1795348907684560470n);
    expect(parseTimeNanos('2026-11-22T12:01:47Z')).toBe(1795348907000000000n);
    expect(parseTimeNanos('2026-11-22T13:01:47.5+01:00')).toBe(1795348907500000000n);
    expect(parseTimeNanos('1795348907684560472')).toBe(1795348907684560472n);
    expect(parseTimeNanos('1795348907')).toBe(1795348907000000000n);
  });

  it('treats the zero time as absent', () => {
    expect(normalizeTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(normalizeTime('')).toBeUndefined();
    expect(normalizeTime('2026-11-22T12:01:47.684560472Z')).toBe('2026-11-22T12:01:47.684Z');
  });
});

describe('EventDeduper', () => {
  it('passes each (id, status, time) once and drops a rotation replay of old events', () => {
    const d = new EventDeduper(10_000);
    expect(d.accept('a', 'died', '2026-11-22T12:00:00.1Z')).toBe(true);
    expect(d.accept('a', 'died', '2026-11-22T12:00:00.1Z')).toBe(false);
    expect(d.accept('a', 'start', '2026-11-22T12:00:00.1Z')).toBe(true);
    expect(d.accept('b', 'died', '2026-11-22T12:20:00Z')).toBe(true);
    // replayed from 20 minutes earlier, never seen: still dropped as older than the newest
    expect(d.accept('c', 'died', '2026-11-22T12:00:05Z')).toBe(false);
    // slightly out of order (inside the window) but new: accepted
    expect(d.accept('d', 'died', '2026-11-22T12:19:59Z')).toBe(true);
    expect(d.newestTime()).toBe('2026-11-22T12:20:00.000Z');
  });
});

describe('event parsing', () => {
  it('reads podman events, 0 for a missing ContainerExitCode, and skips infra containers', () => {
    const died = parsePodmanEvent(
      '{"ID":"abc","Status":"died","Time":"2026-11-22T12:01:47.684560472Z","Type":"container","Attributes":{"k":"v"}}',
    );
    expect(died?.event).toEqual({
      containerId: 'abc',
      type: 'died',
      exitCode: 0,
      labels: { k: 'v' },
      time: '2026-11-22T12:01:47.684Z',
    });
    expect(
      parsePodmanEvent(
        '{"ContainerExitCode":5,"ID":"abc","Status":"died","Time":"2026-11-22T12:01:47Z","Type":"container"}',
      )?.event.exitCode,
    ).toBe(5);
    expect(
      parsePodmanEvent(
        '{"ID":"i","Status":"died","Time":"2026-11-22T12:01:47Z","Type":"container","Attributes":{"io.peapod.container.kind":"infra"}}',
      ),
    ).toBeUndefined();
    expect(
      parsePodmanEvent('{"ID":"a","Status":"cleanup","Time":"2026-11-22T12:01:47Z","Type":"container"}'),
    ).toBeUndefined();
  });

  it('reads Docker events with exact timeNano and without non-label attributes', () => {
    const line =
      '{"status":"die","id":"abc","Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"containerExitCode":"5","exitCode":"5","image":"img","name":"n","podId":"","k":"v"}},"time":1795787443,"timeNano":1795787443258792512}';
    const parsed = parseDockerEvent(line);
    expect(parsed?.time).toBe('1795787443258792512');
    expect(parsed?.event).toMatchObject({ containerId: 'abc', type: 'died', exitCode: 5, labels: { k: 'v' } });
  });
});

describe('RuntimeEventStream', () => {
  it('restarts a dead source from the newest event seen and drops the replayed duplicates', async () => {
    const calls: (string | undefined)[] = [];
    const line = (id: string, time: string) => `{"ID":"${id}","Status":"died","Time":"${time}","Type":"container"}`;
    const source: EventSource = async (since, _signal, onLine) => {
      calls.push(since);
      if (calls.length === 1) {
        onLine(line('a', '2026-11-22T12:00:01Z'));
        return; // the process died
      }
      onLine(line('a', '2026-11-22T12:00:01Z')); // replayed by --since
      onLine(line('b', '2026-11-22T12:00:02Z'));
      await new Promise(() => {}); // stays open
    };
    const stream = new RuntimeEventStream(source, parsePodmanEvent, 1);
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      const unsubscribe = stream.subscribe({}, (e) => {
        seen.push(e.containerId);
        if (e.containerId === 'b') {
          unsubscribe();
          resolve();
        }
      });
    });
    await done;
    expect(seen).toEqual(['a', 'b']);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe('2026-11-22T12:00:01.000Z');
    expect(Date.parse(calls[0] ?? '')).not.toBeNaN();
  });

  it('delivers to subscribers by label filter', async () => {
    const source: EventSource = async (_since, _signal, onLine) => {
      onLine('{"ID":"x","Status":"start","Time":"2026-11-22T12:00:01Z","Type":"container","Attributes":{"node":"n1"}}');
      onLine('{"ID":"y","Status":"start","Time":"2026-11-22T12:00:02Z","Type":"container","Attributes":{"node":"n2"}}');
      await new Promise(() => {});
    };
    const stream = new RuntimeEventStream(source, parsePodmanEvent);
    const got: string[] = [];
    const off1 = stream.subscribe({ node: 'n2' }, (e) => got.push(e.containerId));
    await new Promise((r) => setImmediate(r));
    off1();
    expect(got).toEqual(['y']);
  });
});

describe('podman arguments', () => {
  it('publishes ports with host IPs, IPv6 in brackets, 0.0.0.0 as default', () => {
    expect(publishArg({ containerPort: 80, hostPort: 8080, protocol: 'tcp' })).toBe('8080:80/tcp');
    expect(publishArg({ containerPort: 80, hostPort: 8080, hostIP: '0.0.0.0', protocol: 'tcp' })).toBe('8080:80/tcp');
    expect(publishArg({ containerPort: 53, hostPort: 5353, hostIP: '127.0.0.1', protocol: 'udp' })).toBe(
      '127.0.0.1:5353:53/udp',
    );
    expect(publishArg({ containerPort: 80, hostPort: 81, hostIP: '::1', protocol: 'tcp' })).toBe('[::1]:81:80/tcp');
  });

  it('names the infra container, labels the pod as owned infra and publishes only ports with a hostPort', () => {
    const args = podCreateArgs({
      name: 'p',
      labels: { a: 'b' },
      hostname: 'web',
      ports: [
        { containerPort: 80, hostPort: 8080, protocol: 'tcp' },
        { containerPort: 81, hostPort: 0, protocol: 'tcp' },
      ],
    });
    expect(args).toEqual([
      'pod',
      'create',
      '--name',
      'p',
      '--infra-name',
      'p-infra',
      '--label',
      'a=b',
      '--label',
      'io.peapod.owner=peapod',
      '--label',
      'io.peapod.container.kind=infra',
      '--hostname',
      'web',
      '-p',
      '8080:80/tcp',
    ]);
    const host = podCreateArgs({
      name: 'p',
      labels: {},
      hostname: 'ignored',
      ports: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
      hostNetwork: true,
    });
    expect(host.slice(-4)).toEqual(['--network', 'host', '--uts', 'host']);
    expect(host).not.toContain('-p');
  });

  it('maps command to --entrypoint and args to the trailing cmd, with limits and no swap', () => {
    const args = containerCreateArgs(
      {
        ...base,
        command: ['sh', '-c'],
        args: ['echo hi'],
        memoryLimitBytes: 16777216,
        cpuLimitMilli: 500,
        cpuRequestMilli: 250,
        stopTimeoutSeconds: 30,
      },
      { pull: 'never' },
    );
    expect(args.slice(0, 6)).toEqual(['create', '--pod', 'pod1', '--name', 'c1', '--pull=never']);
    expect(args).toEqual(expect.arrayContaining(['--env', 'B=x=y z', '--memory', '16777216b', '--memory-swap']));
    expect(args[args.indexOf('--cpus') + 1]).toBe('0.500');
    expect(args[args.indexOf('--cpu-shares') + 1]).toBe('256');
    expect(args[args.indexOf('--stop-timeout') + 1]).toBe('30');
    expect(args[args.indexOf('--mount') + 1]).toBe('type=bind,source=/h,destination=/c,ro=true');
    expect(args.slice(-4)).toEqual(['--entrypoint', '["sh","-c"]', 'img:1', 'echo hi']);
    const plain = containerCreateArgs(base, { pull: 'never' });
    expect(plain).not.toContain('--entrypoint');
    expect(plain.at(-1)).toBe('img:1');
    expect(plain[plain.indexOf('--stop-timeout') + 1]).toBe('0');
  });
});

describe('docker bodies', () => {
  it('joins the sandbox namespaces and clears the image Cmd when only command is given', () => {
    const body = containerCreateBody({
      ...base,
      command: ['echo', 'only'],
      memoryLimitBytes: 1024,
      cpuLimitMilli: 250,
    });
    expect(body).toMatchObject({ Entrypoint: ['echo', 'only'], Cmd: [], Env: ['A=1', 'B=x=y z'] });
    expect(body.HostConfig).toMatchObject({
      NetworkMode: 'container:pod1',
      Memory: 1024,
      MemorySwap: 1024,
      NanoCpus: 250_000_000,
      Mounts: [{ Type: 'bind', Source: '/h', Target: '/c', ReadOnly: true }],
    });
    expect(containerCreateBody({ ...base, args: ['x'] })).not.toHaveProperty('Entrypoint');
  });

  it('publishes the ports on the infra container', () => {
    const body = infraCreateBody(
      {
        name: 's',
        labels: {},
        ports: [{ containerPort: 8080, hostPort: 18080, hostIP: '127.0.0.1', protocol: 'tcp' }],
      },
      { image: 'pause', entrypoint: ['/catatonit', '-P'] },
    );
    expect(body.HostConfig).toMatchObject({
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] },
    });
    expect(body.Labels).toMatchObject({ 'io.peapod.container.kind': 'infra', 'io.peapod.owner': 'peapod' });
  });

  it('pulls one tag, never all of them', () => {
    expect(pullReference('alpine')).toBe('alpine:latest');
    expect(pullReference('localhost:5000/a/b')).toBe('localhost:5000/a/b:latest');
    expect(pullReference('localhost:5000/a/b:1')).toBe('localhost:5000/a/b:1');
    expect(pullReference('a@sha256:00')).toBe('a@sha256:00');
  });

  it('demultiplexes frames split across chunks', () => {
    const frame = (type: number, text: string) => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const all = Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, 'more')]);
    const got: string[] = [];
    const demux = new StreamDemuxer((p, s) => got.push(`${s}:${p}`));
    for (let i = 0; i < all.length; i += 5) demux.push(all.subarray(i, i + 5));
    expect(got).toEqual(['stdout:out', 'stderr:err', 'stdout:more']);
  });
});

describe('errors and rates', () => {
  it('extracts the meaningful error text of podman', () => {
    const stderr =
      'level=error msg="Starting some container dependencies"\nlevel=error msg="\\"cannot listen on the TCP port: listen tcp4 127.0.0.1:18080: bind: address already in use\\""\nError: starting some containers: internal libpod error\n';
    const text = podmanErrorText(stderr);
    expect(text).toContain('address already in use');
    expect(classifyRuntimeMessage(text)).toBe('PortInUse');
    expect(classifyRuntimeMessage('no container with name or ID "x" found: no such container')).toBe('NotFound');
    expect(
      classifyRuntimeMessage('can only create exec sessions on running containers: container state improper'),
    ).toBe('NotRunning');
    expect(classifyRuntimeMessage('the container name "x" is already in use by abc')).toBe('NameConflict');
  });

  it('computes CPU from counter deltas after a first average sample', () => {
    const cpu = new CpuRateTracker();
    expect(cpu.milliCpu('a', 1e9, 10e9, 123.4)).toBe(123);
    expect(cpu.milliCpu('a', 1.5e9, 11e9, 0)).toBe(500);
    cpu.forget('a');
    expect(cpu.milliCpu('a', 2e9, 12e9, 7)).toBe(7);
  });
});

describe('Semaphore', () => {
  it('never runs more jobs than its limit and runs them all', async () => {
    const semaphore = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, () => {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      return { promise, resolve };
    });
    const jobs = gates.map((gate, i) =>
      semaphore.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await gate.promise;
        active--;
        return i;
      }),
    );
    for (const gate of gates) {
      await new Promise((r) => setImmediate(r));
      gate.resolve();
    }
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });
});
