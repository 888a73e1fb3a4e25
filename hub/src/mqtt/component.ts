import { randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  decodeLease,
  decodeNodeReport,
  decodePodEventsReport,
  decodePodRemovedReport,
  decodePodStatusReport,
  decodeProxyResponse,
  decodeWill,
  encode,
  PROTOCOL_VERSION,
  ProtocolError,
  parseNodeTopic,
  TOPIC_ROOT,
  topics,
} from '@peapod/core';
import { defaultSubjectAltNames, ensureHubCredentials } from '../certs/credentials.js';
import type { HubComponent, HubContext } from '../component.js';
import { type EmbeddedBroker, startEmbeddedBroker } from './broker.js';
import { createAedesBus, createClientBus, type MessageBus } from './bus.js';
import { CredentialStore } from './credentials.js';
import { DesiredStatePublisher } from './desired-state.js';
import { handleJoin } from './join.js';
import { type MqttMetrics, registerMqttMetrics } from './mqtt-metrics.js';
import { MqttNodeProxy } from './node-proxy.js';
import { NodeStatusTracker } from './node-status.js';
import { PodEventWriter } from './pod-events.js';
import { PodStatusWriter } from './pod-status.js';

export const DEFAULT_MQTTS_PORT = 8883;
export const DEFAULT_WSS_PORT = 8443;
export const DEFAULT_NODE_GRACE_PERIOD_MS = 50_000;

export interface MqttComponentOptions {
  /**
   * External broker `mqtt(s)://user:pass@host:port` (the hub's own account); default: the embedded
   * broker. With an external broker, per-node accounts and ACLs are provisioned in the broker.
   */
  broker?: string;
  /** CA bundle (PEM file) to verify an external `mqtts://` broker. */
  brokerCaFile?: string;
  /** Embedded broker listen address (default all interfaces). */
  host?: string;
  /** Embedded MQTT over TLS port (default 8883; 0 = any free port). */
  mqttsPort?: number;
  /** Embedded MQTT over secure WebSocket port, path /mqtt (default 8443; 0 = any; null = off). */
  wssPort?: number | null;
  /** Extra certificate names (DNS or IP) for the hub's server certificate. */
  tlsNames?: string[];
  /** Fixed join token (default: generated once into `<dataDir>/join-token`). */
  joinToken?: string;
  /** No lease renewal nor node status for this long → node Ready=Unknown (default 50 s). */
  nodeGracePeriodMs?: number;
  /** How long logs/exec/metrics wait for a node's first answer (default 10 s). */
  proxyTimeoutMs?: number;
}

export interface MqttComponent extends HubComponent {
  /** Where agents connect and how they join; available after start. */
  info(): { mqttsPort?: number; wssPort?: number; joinToken?: string; caPem?: string };
}

export function createMqttComponent(options: MqttComponentOptions = {}): MqttComponent {
  let broker: EmbeddedBroker | undefined;
  let bus: MessageBus | undefined;
  let publisher: DesiredStatePublisher | undefined;
  let tracker: NodeStatusTracker | undefined;
  let proxy: MqttNodeProxy | undefined;
  let credentials: CredentialStore | undefined;
  let caPem: string | undefined;
  let joinToken: string | undefined;
  let metrics: MqttMetrics | undefined;

  return {
    name: 'mqtt',
    info: () => ({ mqttsPort: broker?.mqttsPort, wssPort: broker?.wssPort, joinToken, caPem }),
    describe: () => joinHint(options, broker?.mqttsPort, joinToken),

    async start(context: HubContext) {
      const { log, service } = context;
      if (options.broker) {
        bus = await createClientBus(options.broker, {
          ca: options.brokerCaFile ? readFileSync(options.brokerCaFile) : undefined,
        });
        log.info('mqtt: using external broker', { broker: new URL(options.broker).host });
      } else {
        const hub = await ensureHubCredentials(context.dataDir, defaultSubjectAltNames(options.tlsNames));
        caPem = hub.caPem;
        credentials = new CredentialStore(context.dataDir, options.joinToken);
        const caHash = new X509Certificate(hub.caPem).fingerprint256.replace(/:/g, '').toLowerCase();
        joinToken = credentials.publishToken(caHash);
        broker = await startEmbeddedBroker({
          credentials,
          // The full chain lets a joining agent pin the CA named in its token.
          tls: { certPem: `${hub.server.certPem.trim()}\n${hub.caPem}`, keyPem: hub.server.keyPem },
          host: options.host,
          mqttsPort: options.mqttsPort ?? DEFAULT_MQTTS_PORT,
          wssPort: options.wssPort === undefined ? DEFAULT_WSS_PORT : options.wssPort,
          log,
        });
        // Agent messages of one event-loop turn share one store commit; PUBACKs follow the commit.
        bus = createAedesBus(broker.aedes, { group: (work) => context.store.batch(work) });
        log.info(`mqtt: join token: ${joinToken}`);
      }
      const messageBus = bus;

      publisher = new DesiredStatePublisher(messageBus, service, log);
      const desired = publisher;
      tracker = new NodeStatusTracker({
        service,
        now: context.now,
        log,
        gracePeriodMs: options.nodeGracePeriodMs ?? DEFAULT_NODE_GRACE_PERIOD_MS,
        onRegistered: (node) => desired.ensureNode(node),
        requestStatus: (node) => {
          const request = { v: PROTOCOL_VERSION, id: `status-${randomUUID()}`, kind: 'node-status' };
          messageBus
            .publish(topics.requests(node), encode(request), { qos: 1 })
            .catch((err) => log.warn('mqtt: node status request failed', { node, error: String(err) }));
        },
      });
      const nodes = tracker;
      const pods = new PodStatusWriter(service, log, (node) => nodes.clockOffsetMs(node));
      const podEvents = new PodEventWriter(service, context.now, log);
      proxy = new MqttNodeProxy(messageBus, log, options.proxyTimeoutMs);
      const nodeProxy = proxy;

      const aedes = broker?.aedes;
      metrics = context.metrics && registerMqttMetrics(context.metrics, aedes && (() => aedes.connectedClients));
      const dispatch = (topic: string, payload: Buffer) => {
        const parsed = parseNodeTopic(topic);
        try {
          if (!parsed) throw new ProtocolError('unknown topic');
          metrics?.received(parsed.kind);
          switch (parsed.kind) {
            case 'node-status':
              return nodes.handleReport(parsed.node, decodeNodeReport(payload));
            case 'lease':
              decodeLease(payload);
              return nodes.handleLease(parsed.node);
            case 'will':
              return nodes.handleWill(parsed.node, decodeWill(payload));
            case 'pod-status':
              // One report's writes share one commit (group commit, docs/storage.md).
              return context.store.batch(() => pods.handleStatus(parsed.node, decodePodStatusReport(payload)));
            case 'pod-removed':
              return context.store.batch(() => pods.handleRemoved(parsed.node, decodePodRemovedReport(payload)));
            case 'pod-events':
              return context.store.batch(() => podEvents.handle(parsed.node, decodePodEventsReport(payload)));
            case 'response':
              return nodeProxy.handleResponse(parsed.node, decodeProxyResponse(payload));
            default:
              throw new ProtocolError('not a node-to-hub topic');
          }
        } catch (err) {
          // Malformed input never crashes the hub and never touches anything.
          metrics?.dropped();
          log.warn('mqtt: message dropped', { topic, bytes: payload.length, error: String(err) });
        }
      };
      await messageBus.subscribe(topics.hubStatusAll, dispatch);
      await messageBus.subscribe(topics.hubLeaseAll, dispatch);
      await messageBus.subscribe(topics.hubResponsesAll, dispatch);
      if (credentials) {
        const deps = { bus: messageBus, credentials, service, log };
        await messageBus.subscribe(topics.hubJoinAll, (topic, payload) => {
          const clientId = topic.slice(`${TOPIC_ROOT}/join/`.length).split('/')[0];
          handleJoin(clientId, payload, deps).catch((err) => log.error('mqtt: join failed', { error: String(err) }));
        });
      }
      await publisher.start();
      tracker.start();
      context.nodeProxy = proxy;
      context.publish = (topic, payload, publishOptions) => messageBus.publish(topic, payload, publishOptions);
    },

    async stop() {
      metrics?.unregister();
      tracker?.stop();
      await publisher?.stop();
      proxy?.close();
      await bus?.close();
      await broker?.close();
      broker = undefined;
    },
  };
}

/** How a device joins this hub: the embedded broker's real port and token, or the external broker. */
export function joinHint(
  options: MqttComponentOptions,
  mqttsPort: number | undefined,
  joinToken: string | undefined,
): string[] {
  if (options.broker) {
    const url = new URL(options.broker);
    const where = `${url.protocol}//${url.host}`;
    return [
      '',
      'Join a device (accounts are provisioned in the external broker):',
      `  peapod agent --hub ${where} --name <node> --password-file <file>`,
    ];
  }
  if (mqttsPort === undefined || joinToken === undefined) return [];
  return ['', 'Join a device with:', `  peapod agent --hub mqtts://<this-host>:${mqttsPort} --token ${joinToken}`];
}
