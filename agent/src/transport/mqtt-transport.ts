import { randomBytes } from 'node:crypto';
import {
  decodeDesiredIndex,
  decodeDesiredPod,
  decodeProxyRequest,
  decodeServiceTable,
  encode,
  nodeUsername,
  type Pod,
  type PodEventsReport,
  type PodRemovedReport,
  type PodStatusEntry,
  PROTOCOL_VERSION,
  type ProxyRequest,
  type ProxyResponse,
  parseNodeTopic,
  type ServiceTable,
  topics,
  type WillMessage,
} from '@peapod/core';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { NodeReportBody } from '../node/reporter.js';
import { DesiredSetAssembler } from './desired-set.js';

const STATUS_BATCH = 50;
const EMPTY = Buffer.alloc(0);
export const DEFAULT_KEEPALIVE_SECONDS = 30;

export interface TransportLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface TransportOptions {
  /** `mqtts://host:8883` or `wss://host:8443/mqtt` (or plain `mqtt://` / `ws://` for labs). */
  url: string;
  nodeName: string;
  password: string;
  /** CA certificate (PEM) the broker's certificate must chain to. */
  caPem?: string;
  /**
   * MQTT keepalive in seconds; default 30. The broker notices a dead link after 1.5× (45 s: its Last
   * Will still beats the hub's 50 s grace). mqtt.js sends PINGREQ when it has *received* nothing for
   * a keepalive (its check that the broker is alive), and an idle agent receives nothing but these
   * PINGRESPs and rare PUBACKs: 30 s keeps that pair at ≈ 5.8 kB/h on the wire.
   */
  keepaliveSeconds?: number;
  /** First reconnect delay; doubles up to maxReconnectMs. Defaults 1 s and 30 s. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  log: TransportLogger;
}

/**
 * The agent's MQTT link: persistent session (clean=false, client id = username) so QoS 1 messages
 * queue while it is away, a Last Will that tells the hub when the link dies, reconnection with
 * exponential back-off, and the node's own topics only.
 */
export class AgentTransport {
  /** Random per process; lets the hub tell a stale Last Will from the current connection's. */
  readonly instance = randomBytes(8).toString('hex');
  private connection = 0;
  private client?: MqttClient;
  private readonly assembler = new DesiredSetAssembler();
  private readonly desiredListeners: ((pods: Pod[]) => void)[] = [];
  private readonly requestListeners: ((request: ProxyRequest) => void)[] = [];
  private readonly serviceTableListeners: ((table: ServiceTable) => void)[] = [];
  private readonly connectListeners: (() => void)[] = [];
  private reconnectDelay: number;

  constructor(private readonly options: TransportOptions) {
    this.reconnectDelay = options.reconnectMs ?? 1000;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** The complete desired set, each time it changes (hook for the offline cache, issue 8). */
  onDesired(listener: (pods: Pod[]) => void): void {
    this.desiredListeners.push(listener);
  }

  onRequest(listener: (request: ProxyRequest) => void): void {
    this.requestListeners.push(listener);
  }

  /** The fleet's Service table, each time the hub publishes a new one (docs/services.md). */
  onServiceTable(listener: (table: ServiceTable) => void): void {
    this.serviceTableListeners.push(listener);
  }

  /** Every (re)connection: the place to register and resend full status. */
  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
  }

  start(): void {
    const { options } = this;
    const node = options.nodeName;
    const clientOptions: IClientOptions = {
      clientId: nodeUsername(node),
      username: nodeUsername(node),
      password: options.password,
      clean: false,
      protocolVersion: 4,
      keepalive: options.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS,
      reconnectPeriod: this.reconnectDelay,
      connectTimeout: 10_000,
      ca: options.caPem,
      rejectUnauthorized: true,
      will: { topic: topics.will(node), payload: this.willPayload(), qos: 1, retain: false },
      // mqtt-packet's default write cache is 65,536 two-byte Buffers (~6 MiB of heap); an agent
      // sends a few packets a minute, so it allocates message-id bytes per packet instead.
      writeCache: false,
    };
    this.assembler.hold();
    const client = connect(options.url, clientOptions);
    this.client = client;
    client.on('connect', () => {
      this.reconnectDelay = options.reconnectMs ?? 1000;
      client.options.reconnectPeriod = this.reconnectDelay;
      options.log.info('mqtt: connected', { url: options.url, connection: this.connection });
      // Subscribing again on every connect makes the broker resend the retained desired state.
      // What the session replayed before the SUBACK may be stale: the assembler holds until then.
      const subscriptions = [topics.desiredAll(node), topics.requests(node)];
      if (this.serviceTableListeners.length > 0) subscriptions.push(topics.fleetServices);
      client.subscribe(subscriptions, { qos: 1 }, (err) => {
        if (err) options.log.warn('mqtt: subscribe failed', { error: err.message });
        this.emitDesired(this.assembler.release());
      });
      for (const l of this.connectListeners) l();
    });
    client.on('close', () => {
      this.assembler.hold();
      // Back-off with jitter; the Last Will of the next connection carries the next counter.
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, options.maxReconnectMs ?? 30_000);
      client.options.reconnectPeriod = Math.round(this.reconnectDelay * (0.8 + Math.random() * 0.4));
    });
    client.on('reconnect', () => {
      this.connection += 1;
      if (client.options.will) client.options.will.payload = this.willPayload();
    });
    client.on('error', (err) => options.log.warn('mqtt: connection error', { error: err.message }));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  private emitDesired(set: Pod[] | undefined): void {
    if (set) for (const l of this.desiredListeners) l(set);
  }

  private willPayload(): Buffer {
    const will: WillMessage = { v: PROTOCOL_VERSION, instance: this.instance, connection: this.connection };
    return encode(will);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === topics.fleetServices) {
      this.onServiceTableMessage(payload);
      return;
    }
    const parsed = parseNodeTopic(topic);
    if (!parsed || parsed.node !== this.options.nodeName) return;
    try {
      let set: Pod[] | undefined;
      if (parsed.kind === 'desired-index') set = this.assembler.applyIndex(decodeDesiredIndex(payload));
      else if (parsed.kind === 'desired-pod')
        set = this.assembler.applyPod(parsed.id!, payload.length === 0 ? undefined : decodeDesiredPod(payload));
      else if (parsed.kind === 'requests') {
        const request = decodeProxyRequest(payload);
        for (const l of this.requestListeners) l(request);
      }
      this.emitDesired(set);
    } catch (err) {
      this.options.log.warn('mqtt: message dropped', { topic, error: String(err) });
    }
  }

  private onServiceTableMessage(payload: Buffer): void {
    if (payload.length === 0) return;
    try {
      const table = decodeServiceTable(payload);
      for (const l of this.serviceTableListeners) l(table);
    } catch (err) {
      this.options.log.warn('mqtt: service table dropped', { error: String(err) });
    }
  }

  /** Resolves true once the broker acknowledged (QoS 1), false when the publication failed. */
  private publish(topic: string, body: object, qos: 0 | 1 = 1): Promise<boolean> {
    const client = this.client;
    if (!client) return Promise.resolve(false);
    return new Promise((resolve) =>
      client.publish(topic, encode({ v: PROTOCOL_VERSION, ...body }), { qos }, (err) => {
        if (err) this.options.log.warn('mqtt: publish failed', { topic, error: err.message });
        resolve(!err);
      }),
    );
  }

  publishNodeReport(report: NodeReportBody): Promise<boolean> {
    return this.publish(topics.nodeStatus(this.options.nodeName), {
      ...report,
      instance: this.instance,
      connection: this.connection,
      sentAt: Date.now(),
    });
  }

  /**
   * Renews the node's lease: an empty QoS 0 message (≈ 60 bytes on the wire with TLS), skipped while
   * offline. It satisfies the broker's side of the keepalive; QoS 0 gets no answer, so mqtt.js still
   * pings once per keepalive to learn that the broker is alive.
   */
  renewLease(): Promise<boolean> {
    const client = this.client;
    if (!client?.connected) return Promise.resolve(false);
    return new Promise((resolve) =>
      client.publish(topics.lease(this.options.nodeName), EMPTY, { qos: 0 }, (err) => resolve(!err)),
    );
  }

  /**
   * Batches of STATUS_BATCH keep every message far below the payload limit. `instance` is the agent
   * process that observed the updates (an earlier one for changes held in the offline cache).
   */
  async publishPodStatus(updates: PodStatusEntry[], instance = this.instance): Promise<boolean> {
    let acknowledged = true;
    for (let i = 0; i < updates.length; i += STATUS_BATCH)
      acknowledged =
        (await this.publish(topics.podStatus(this.options.nodeName), {
          instance,
          updates: updates.slice(i, i + STATUS_BATCH),
        })) && acknowledged;
    return acknowledged;
  }

  /** Events are best effort: not queued while the link is down (the status is what matters). */
  publishPodEvents(events: PodEventsReport['events']): Promise<boolean> {
    if (!this.connected) return Promise.resolve(false);
    return this.publish(topics.podEvents(this.options.nodeName), { events });
  }

  publishRemoved(pods: PodRemovedReport['pods']): Promise<boolean> {
    return this.publish(topics.podRemoved(this.options.nodeName), { pods });
  }

  respond(response: Omit<ProxyResponse, 'v'>): Promise<boolean> {
    return this.publish(topics.response(this.options.nodeName, response.id), response);
  }

  /** Clean disconnect (no Last Will): the hub notices the silence after its grace period. */
  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}
