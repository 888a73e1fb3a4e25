import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, methodNotAllowed, unauthorized } from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { ApiRequestMetrics } from '../prometheus/api-metrics.js';
import { EXPOSITION_CONTENT_TYPE } from '../prometheus/registry.js';
import { peapodVersion } from '../version.js';
import { allowsAnonymous, BearerAuthenticator } from './auth.js';
import {
  AGGREGATED_DISCOVERY_TYPE,
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
  wantsAggregatedDiscovery,
} from './discovery.js';
import { handleMetrics } from './metrics.js';
import { openApiV3 } from './openapi.js';
import { ExecServer, rejectUpgrade } from './pod-exec.js';
import { handlePodLogs } from './pod-logs.js';
import type { RequestContext } from './request-context.js';
import { handleCollection, handleObject, handleStatus } from './resource-handler.js';
import { sendError, sendJson } from './respond.js';
import { parseTarget, type RequestTarget, type ResourceTarget, type Route } from './routes.js';
import { handleBinding, handleEviction, handleScale } from './subresources.js';

/**
 * The hub's Kubernetes-shaped HTTP API as a HubComponent: HTTPS with the hub's server certificate
 * and bearer-token auth, or plain http without auth when `tls` is not given (explicit opt-in).
 */
export interface HttpApiOptions {
  host: string;
  port: number;
  /** Server certificate and key (PEM); without it the API is served over plain http. */
  tls?: { certPem: string; keyPem: string };
  /** Admin bearer token; required with `tls`, ignored without (kubectl sends no token over http). */
  token?: string;
  /** Interval of BOOKMARK events on watches that allow them. Default 60 s. */
  bookmarkIntervalMs?: number;
}

const NOT_FOUND = new ApiError({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'the server could not find the requested resource',
  reason: 'NotFound',
  details: {},
  code: 404,
});

export class HttpApiComponent implements HubComponent {
  readonly name = 'http-api';
  private server?: Server;
  private exec?: ExecServer;
  private hub?: HubContext;
  private readonly auth?: BearerAuthenticator;
  private readonly version = versionInfo(peapodVersion());
  private address?: AddressInfo;

  constructor(private readonly options: HttpApiOptions) {
    if (options.tls) {
      if (!options.token) throw new Error('the HTTPS API needs an admin token');
      this.auth = new BearerAuthenticator(options.token);
    }
  }

  /** `https://host:port` (or http) once started; wildcard hosts are reported as 127.0.0.1. */
  get url(): string {
    if (!this.address) throw new Error('the HTTP API is not started');
    const wildcard = this.address.address === '0.0.0.0' || this.address.address === '::';
    const host = wildcard ? '127.0.0.1' : this.address.address;
    const shown = host.includes(':') ? `[${host}]` : host;
    return `${this.options.tls ? 'https' : 'http'}://${shown}:${this.address.port}`;
  }

  async start(context: HubContext): Promise<void> {
    this.hub = context;
    this.exec = new ExecServer(context);
    const requests = context.metrics ? new ApiRequestMetrics(context.metrics) : undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      // Parsed once, here: a target no URL parser accepts (e.g. `//[`) is a 400, never a throw.
      const target = parseTarget(req.url);
      res.once('finish', () => {
        const ms = performance.now() - started;
        requests?.record(req.method ?? 'GET', target, res.statusCode, ms / 1000);
        context.log.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Math.round(ms) });
      });
      if (!target) {
        sendError(res, badRequest(`invalid request target ${JSON.stringify(req.url)}`), context.log);
        return;
      }
      this.handle(req, res, target).catch((e) => sendError(res, e, context.log));
    };
    const server = this.options.tls
      ? createHttpsServer({ cert: this.options.tls.certPem, key: this.options.tls.keyPem }, handler)
      : createHttpServer(handler);
    server.headersTimeout = 30_000;
    server.requestTimeout = 0; // watches and log follows are long-lived
    server.keepAliveTimeout = 65_000;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL'
            ? new Error(
                `cannot listen on ${this.options.host}:${this.options.port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`,
              )
            : e,
        ),
      );
      server.listen(this.options.port, this.options.host, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => context.log.error('API server error', { error: e }));
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    context.log.info('API server listening', { url: this.url, tls: Boolean(this.options.tls) });
  }

  async stop(): Promise<void> {
    this.exec?.close();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private authorized(req: IncomingMessage, route: Route): boolean {
    return !this.auth || allowsAnonymous(route) || this.auth.authenticate(req);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const hub = this.hub!;
    socket.on('error', () => socket.destroy());
    try {
      const target = parseTarget(req.url);
      if (!target) throw badRequest(`invalid request target ${JSON.stringify(req.url)}`);
      const { url, route } = target;
      if (!this.authorized(req, route)) throw unauthorized();
      if (route.kind !== 'resource' || route.target.type.plural !== 'pods' || route.target.subresource !== 'exec') {
        throw route.kind === 'resource'
          ? methodNotAllowed('upgrade requests are served only for pods/exec')
          : NOT_FOUND;
      }
      this.exec!.upgrade(req, socket, head, route.target, url.searchParams);
    } catch (e) {
      rejectUpgrade(socket, e, hub);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse, { url, route }: RequestTarget): Promise<void> {
    const hub = this.hub!;
    if (!this.authorized(req, route)) throw unauthorized();
    const ctx: RequestContext = {
      req,
      res,
      url,
      query: url.searchParams,
      hub,
      bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 60_000,
    };
    if (route.kind === 'not-found') throw NOT_FOUND;
    if (route.kind !== 'resource' && route.kind !== 'metrics' && req.method !== 'GET' && req.method !== 'HEAD')
      throw methodNotAllowed();
    switch (route.kind) {
      case 'version':
        return sendJson(res, 200, this.version);
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end('ok');
        return;
      case 'discovery-root':
        if (wantsAggregatedDiscovery(req.headers.accept)) {
          return sendJson(res, 200, aggregatedDiscovery(route.prefix), AGGREGATED_DISCOVERY_TYPE);
        }
        return sendJson(res, 200, route.prefix === 'api' ? apiVersions(this.serverAddress(req)) : apiGroupList());
      case 'discovery-group':
        return sendJson(res, 200, apiGroupDocument(route.group));
      case 'discovery-version':
        return sendJson(res, 200, apiResourceList(route.group, route.version));
      case 'openapi': {
        const doc = openApiV3(route.path);
        if (doc === undefined) throw NOT_FOUND;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(doc) });
        res.end(doc);
        return;
      }
      case 'prometheus': {
        const body = hub.metrics?.render() ?? '';
        res.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'resource':
        return this.handleResource(ctx, route.target);
      case 'metrics':
        return handleMetrics(ctx, route.target);
      default:
        throw NOT_FOUND;
    }
  }

  private serverAddress(req: IncomingMessage): string {
    return req.headers.host ?? `${this.address?.address}:${this.address?.port}`;
  }

  private handleResource(ctx: RequestContext, target: ResourceTarget): Promise<void> {
    if (target.name === undefined) return handleCollection(ctx, target);
    switch (target.subresource) {
      case undefined:
        return handleObject(ctx, target);
      case 'status':
        if (!target.type.subresources.includes('status')) throw NOT_FOUND;
        return handleStatus(ctx, target);
      case 'scale':
        if (!target.type.subresources.includes('scale')) throw NOT_FOUND;
        return handleScale(ctx, target);
    }
    if (target.type.plural !== 'pods') throw NOT_FOUND;
    switch (target.subresource) {
      case 'log':
        return handlePodLogs(ctx, target);
      case 'binding':
        return handleBinding(ctx, target);
      case 'eviction':
        return handleEviction(ctx, target);
      case 'exec':
        throw methodNotAllowed('exec needs a WebSocket upgrade (v5.channel.k8s.io or v4.channel.k8s.io)');
      default:
        throw NOT_FOUND;
    }
  }
}
