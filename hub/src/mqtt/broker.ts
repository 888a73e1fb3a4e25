import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { JOIN_USERNAME, MAX_PAYLOAD_BYTES, nodeNameOfUsername, nodeUsername } from '@peapod/core';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger } from '../component.js';
import { type Identity, mayPublish, maySubscribe } from './acl.js';
import type { CredentialStore } from './credentials.js';

/**
 * The embedded broker: aedes behind MQTT over TLS and MQTT over secure WebSocket, with
 * authentication (per-node credentials, the join token) and per-topic authorization.
 */
export interface EmbeddedBrokerOptions {
  credentials: CredentialStore;
  tls: { certPem: string; keyPem: string };
  /** Listen address; default all interfaces. */
  host?: string;
  /** MQTT over TLS port; default 8883; 0 picks a free port. */
  mqttsPort?: number;
  /** MQTT over secure WebSocket port (path /mqtt); default 8443; 0 picks a free port; null disables. */
  wssPort?: number | null;
  log: Logger;
}

export interface EmbeddedBroker {
  aedes: Aedes;
  mqttsPort: number;
  wssPort?: number;
  close(): Promise<void>;
}

/**
 * aedes writes through mqtt-packet, which by default pre-builds a 2-byte Buffer for each of the
 * 65,536 packet ids on first use: ~7 MiB of heap the broker keeps for life. Allocating the two
 * bytes per QoS 1 packet instead costs nothing measurable. (The module aedes itself resolves.)
 */
function dropPacketIdCache(): void {
  const mqttPacket = createRequire(import.meta.resolve('aedes'))('mqtt-packet') as {
    writeToStream: { cacheNumbers: boolean };
  };
  mqttPacket.writeToStream.cacheNumbers = false;
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function listen(server: TlsServer | HttpsServer, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { credentials, log } = options;
  const identities = new WeakMap<Client, Identity>();
  dropPacketIdCache();
  const aedes = new Aedes({ maxClientsIdLength: 256, drainTimeout: 30_000, keepaliveLimit: 600 });
  await aedes.listen();

  aedes.authenticate = (client, username, password, done) => {
    const secret = password?.toString() ?? '';
    const node = nodeNameOfUsername(username);
    if (node && credentials.verifyNode(node, secret)) {
      // The client id must be the username so one node can never take over another's session.
      if (client.id !== nodeUsername(node)) return done(authError('client id must equal the username', 2), null);
      identities.set(client, { kind: 'node', node });
      return done(null, true);
    }
    if (username === JOIN_USERNAME && credentials.verifyJoinToken(secret) && client.id.startsWith('join-')) {
      identities.set(client, { kind: 'join', clientId: client.id });
      return done(null, true);
    }
    log.warn('mqtt: connection refused', { clientId: client.id, username: username ?? '' });
    done(authError('Bad user name or password', 4), null);
  };

  aedes.authorizePublish = (client, packet, done) => {
    if (!client) return done(null); // the broker's own publications (hub bus)
    const identity = identities.get(client);
    if (!identity || !mayPublish(identity, packet.topic)) {
      log.warn('mqtt: publish refused', { clientId: client.id, topic: packet.topic });
      return done(new Error('publish not authorized'));
    }
    if (packet.payload.length > MAX_PAYLOAD_BYTES) {
      log.warn('mqtt: oversized payload refused', {
        clientId: client.id,
        topic: packet.topic,
        bytes: packet.payload.length,
      });
      return done(new Error('payload too large'));
    }
    if (packet.retain && identity.kind !== 'hub') packet.retain = false; // only the hub keeps state in the broker
    done(null);
  };

  aedes.authorizeSubscribe = (client, subscription, done) => {
    const identity = identities.get(client);
    if (!identity || !maySubscribe(identity, subscription.topic)) {
      log.warn('mqtt: subscribe refused', { clientId: client.id, topic: subscription.topic });
      return done(null, null);
    }
    done(null, subscription);
  };

  aedes.on('clientError', (client, err) =>
    log.debug('mqtt: client error', { clientId: client.id, error: err.message }),
  );
  aedes.on('connectionError', (client, err) =>
    log.debug('mqtt: connection error', { clientId: client?.id, error: err.message }),
  );

  const tlsServer = createTlsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (socket) =>
    aedes.handle(socket),
  );
  tlsServer.on('tlsClientError', (err) => log.debug('mqtt: TLS handshake failed', { error: err.message }));
  const mqttsPort = await listen(tlsServer, options.mqttsPort ?? 8883, options.host);

  let wssServer: HttpsServer | undefined;
  let wss: WebSocketServer | undefined;
  let wssPort: number | undefined;
  if (options.wssPort !== null) {
    wssServer = createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect to /mqtt\n');
    });
    wss = new WebSocketServer({ server: wssServer, path: '/mqtt', maxPayload: MAX_PAYLOAD_BYTES + 64 * 1024 });
    wss.on('connection', (ws, req) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate());
      aedes.handle(stream, req);
    });
    wssPort = await listen(wssServer, options.wssPort ?? 8443, options.host);
  }
  log.info('mqtt: embedded broker listening', { mqtts: mqttsPort, wss: wssPort ?? 'disabled' });

  return {
    aedes,
    mqttsPort,
    wssPort,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const ws of wss?.clients ?? []) ws.terminate();
      wss?.close();
      await Promise.all(
        [tlsServer, wssServer].filter((s) => s !== undefined).map((s) => new Promise((r) => s.close(() => r(null)))),
      );
    },
  };
}
