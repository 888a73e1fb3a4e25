import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ApiError, badRequest, methodNotAllowed, type Status } from '@peapod/core';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ExecSession } from '../api/node-proxy.js';
import type { HubContext } from '../component.js';
import { type PodStreamTarget, resolvePodStreamTarget } from './pod-target.js';
import { boolParam } from './query.js';
import { toApiError } from './respond.js';
import type { ResourceTarget } from './routes.js';

/**
 * pods/{name}/exec over WebSocket with the Kubernetes channel protocols v5.channel.k8s.io and
 * v4.channel.k8s.io (kubectl-wire §11): binary frames whose first byte is the channel — 0 stdin,
 * 1 stdout, 2 stderr, 3 final Status, 4 resize `{"Width","Height"}`, 255 close (v5). The session is
 * relayed to the pod's node through `HubContext.nodeProxy`. SPDY is not served: the request gets the
 * same validation errors as a WebSocket one, else a 400 that says so.
 */

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** Writes a Status reply on a socket that has not been upgraded, then closes it. */
export function rejectUpgrade(socket: Duplex, error: unknown, hub: HubContext): void {
  const apiError: ApiError = toApiError(error, hub.log);
  const body = JSON.stringify(apiError.status);
  const headers = [
    `HTTP/1.1 ${apiError.code} ${STATUS_CODES[apiError.code] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  if (socket.writable) socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}

function offeredProtocols(req: IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

function exitStatus(exitCode: number, error: string | Status | undefined, command: string[]): unknown {
  if (typeof error === 'object') return error;
  if (error !== undefined) return { metadata: {}, status: 'Failure', message: error, reason: 'InternalError' };
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export class ExecServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });

  constructor(private readonly hub: HubContext) {}

  /** Handles an upgrade request already authenticated and routed to pods/{name}/exec. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ResourceTarget, query: URLSearchParams): void {
    let stream: PodStreamTarget;
    let command: string[];
    let options: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean };
    try {
      if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed();
      command = query.getAll('command');
      if (command.length === 0) throw badRequest('you must specify at least 1 command');
      options = {
        stdin: boolParam(query, 'stdin'),
        stdout: boolParam(query, 'stdout'),
        stderr: boolParam(query, 'stderr'),
        tty: boolParam(query, 'tty'),
      };
      if (!options.stdin && !options.stdout && !options.stderr) {
        throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
      }
      const pod = this.hub.service.get(target.type, target.namespace, target.name!);
      stream = resolvePodStreamTarget(this.hub, pod, query.get('container'), 'exec');
      if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        throw badRequest(
          'the hub serves exec only over WebSocket (v5.channel.k8s.io or v4.channel.k8s.io); SPDY is not supported — use kubectl 1.30 or newer',
        );
      }
      if (!offeredProtocols(req).some((p) => EXEC_PROTOCOLS.includes(p))) {
        throw badRequest(`exec needs one of the WebSocket subprotocols ${EXEC_PROTOCOLS.join(', ')}`);
      }
    } catch (e) {
      rejectUpgrade(socket, e, this.hub);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, stream, command, options));
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private run(
    ws: WebSocket,
    target: PodStreamTarget,
    command: string[],
    options: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  ): void {
    let session: ExecSession | undefined;
    let exited = false;
    const early: Buffer[] = [];
    const send = (channel: number, data: Buffer): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
    };
    const finish = (exitCode: number, error?: string | Status): void => {
      if (exited) return;
      exited = true;
      send(ERROR, Buffer.from(JSON.stringify(exitStatus(exitCode, error, command))));
      if (ws.readyState === ws.OPEN) ws.close(1000);
    };
    const handle = (frame: Buffer): void => {
      if (!session || frame.length === 0) return;
      const payload = frame.subarray(1);
      switch (frame[0]) {
        case STDIN:
          if (options.stdin) session.writeStdin(payload);
          break;
        case RESIZE:
          try {
            const size = JSON.parse(payload.toString('utf8')) as { Width?: number; Height?: number };
            if (Number.isInteger(size.Width) && Number.isInteger(size.Height))
              session.resize(size.Width!, size.Height!);
          } catch {
            // a malformed resize frame is ignored, as upstream does
          }
          break;
        case CLOSE:
          if (payload[0] === STDIN) session.closeStdin();
          break;
      }
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? data : Buffer.from(data);
      if (session) handle(frame);
      else early.push(frame);
    });
    ws.on('close', () => {
      if (!exited) session?.abort();
      exited = true;
    });
    ws.on('error', () => ws.terminate());

    target.proxy
      .exec(
        target.nodeName,
        target.ref,
        { container: target.container, command, stdin: options.stdin, tty: options.tty },
        {
          onStdout: (data) => options.stdout && send(STDOUT, data),
          onStderr: (data) =>
            options.tty ? options.stdout && send(STDOUT, data) : options.stderr && send(STDERR, data),
          onExit: (exitCode, error) => finish(exitCode, error),
        },
      )
      .then((s) => {
        session = s;
        if (exited) {
          s.abort();
          return;
        }
        for (const frame of early.splice(0)) handle(frame);
      })
      .catch((e: unknown) => finish(1, toApiError(e, this.hub.log).status));
  }
}
