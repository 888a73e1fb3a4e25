import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, HTTPGetAction, LifecycleHandler, ProbeHandler, TCPSocketAction } from '@peapod/core';
import type { RuntimeDriver } from '../runtime/driver.js';
import { isRuntimeError } from '../runtime/errors.js';
import type { ProbeResult } from './probe-results.js';

/**
 * The handlers shared by probes and lifecycle hooks (k8s-semantics §3.7, §6.1): exec through the
 * runtime, httpGet and tcpSocket against the pod IP, sleep.
 */
export interface HandlerTarget {
  driver: RuntimeDriver;
  containerId: string;
  container: Container;
  podIP?: string;
}

export interface HandlerOutcome {
  result: ProbeResult;
  /** Kubelet-style detail for events (`HTTP probe failed with statuscode: 500`). */
  message: string;
}

/** Served API version is 1.32, so probes identify as kube-probe/1.32 (k8s-semantics §6.1). */
export const PROBE_USER_AGENT = 'kube-probe/1.32';

export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export async function runHandler(
  handler: ProbeHandler | LifecycleHandler,
  target: HandlerTarget,
  timeoutMs: number,
): Promise<HandlerOutcome> {
  try {
    if (handler.exec) return await runExec(handler.exec.command ?? [], target, timeoutMs);
    if (handler.httpGet) return await runHttpGet(handler.httpGet, target, timeoutMs);
    if (handler.tcpSocket) return await runTcpSocket(handler.tcpSocket, target, timeoutMs);
    if ('sleep' in handler && handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(handler.sleep!.seconds * 1000, timeoutMs)));
      return { result: 'success', message: '' };
    }
    return { result: 'unknown', message: 'no handler' };
  } catch (err) {
    if (isRuntimeError(err, 'Timeout')) return { result: 'failure', message: 'command timed out' };
    return { result: 'unknown', message: err instanceof Error ? err.message : String(err) };
  }
}

async function runExec(command: string[], target: HandlerTarget, timeoutMs: number): Promise<HandlerOutcome> {
  const timedOut = Symbol('timeout');
  let timer: NodeJS.Timeout | undefined;
  const res = await Promise.race([
    target.driver.exec(target.containerId, command, { timeoutMs }),
    new Promise<typeof timedOut>((r) => {
      timer = setTimeout(() => r(timedOut), timeoutMs + 1000);
    }),
  ]).finally(() => clearTimeout(timer));
  if (res === timedOut) return { result: 'failure', message: `command "${command.join(' ')}" timed out` };
  const output = `${res.stdout}${res.stderr}`.trim();
  if (res.exitCode === 0) return { result: 'success', message: output };
  return {
    result: 'failure',
    message: output || `command ${JSON.stringify(command.join(' '))} exited with ${res.exitCode}`,
  };
}

function targetHost(host: string | undefined, target: HandlerTarget): string {
  const h = host || target.podIP;
  if (!h) throw new Error('pod has no IP yet');
  return h;
}

function runHttpGet(action: HTTPGetAction, target: HandlerTarget, timeoutMs: number): Promise<HandlerOutcome> {
  const port = resolvePort(action.port, target.container);
  if (port === undefined) return Promise.resolve({ result: 'failure', message: `unknown port ${action.port}` });
  const host = targetHost(action.host, target);
  const scheme = action.scheme ?? 'HTTP';
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) {
    const existing = Object.keys(headers).find((k) => k.toLowerCase() === h.name.toLowerCase());
    if (existing) delete headers[existing];
    if (h.value !== '') headers[h.name] = h.value;
  }
  let path = action.path ?? '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${scheme.toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  const client = scheme === 'HTTPS' ? https : http;
  return new Promise((resolve) => {
    const req = client.get(url, { headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      if (code >= 200 && code < 400) resolve({ result: 'success', message: '' });
      else resolve({ result: 'failure', message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({
        result: 'failure',
        message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    req.on('error', (err) => resolve({ result: 'failure', message: `Get "${url}": ${err.message}` }));
  });
}

function runTcpSocket(action: TCPSocketAction, target: HandlerTarget, timeoutMs: number): Promise<HandlerOutcome> {
  const port = resolvePort(action.port, target.container);
  if (port === undefined) return Promise.resolve({ result: 'failure', message: `unknown port ${action.port}` });
  const host = targetHost(action.host, target);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (outcome: HandlerOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.on('connect', () => done({ result: 'success', message: '' }));
    socket.on('timeout', () => done({ result: 'failure', message: `dial tcp ${host}:${port}: i/o timeout` }));
    socket.on('error', (err) => done({ result: 'failure', message: `dial tcp ${host}:${port}: ${err.message}` }));
  });
}
