import type { Aedes, AedesPublishPacket } from 'aedes';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

/**
 * The hub's own MQTT endpoint. With the embedded broker it talks to aedes in process (full rights,
 * no socket); with an external broker it is an mqtt.js client using the hub's broker account.
 */
export interface MessageBus {
  publish(topic: string, payload: Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  /** `handler` receives every message matching `filter`. */
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

export interface AedesBusOptions {
  /**
   * Runs the handlers of the messages that arrived in one turn of the event loop together, e.g. in
   * one store batch (one commit for all of them). Each message is acknowledged to the broker —
   * PUBACK to a QoS 1 sender — only after `group` returned, i.e. after that commit.
   */
  group?: (work: () => void) => void;
}

export function createAedesBus(aedes: Aedes, options: AedesBusOptions = {}): MessageBus {
  const subscriptions: { filter: string; deliver: (packet: AedesPublishPacket, cb: () => void) => void }[] = [];
  const group = options.group;
  let pending: { run: () => void; cb: () => void }[] = [];
  const drain = () => {
    const messages = pending;
    pending = [];
    try {
      group?.(() => {
        for (const { run } of messages) {
          try {
            run();
          } catch (error) {
            console.error('peapod mqtt: message handler failed', error);
          }
        }
      });
    } catch (error) {
      console.error('peapod mqtt: handling a group of messages failed', error);
    } finally {
      for (const { cb } of messages) cb();
    }
  };
  return {
    publish(topic, payload, { qos, retain = false }) {
      return new Promise((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    },
    subscribe(filter, handler) {
      const deliver = (packet: AedesPublishPacket, cb: () => void) => {
        const run = () =>
          handler(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
        if (!group) {
          try {
            run();
          } finally {
            cb();
          }
          return;
        }
        pending.push({ run, cb });
        if (pending.length === 1) setImmediate(drain);
      };
      subscriptions.push({ filter, deliver });
      return new Promise((resolve) => aedes.subscribe(filter, deliver, () => resolve()));
    },
    async close() {
      for (const { filter, deliver } of subscriptions.splice(0))
        await new Promise<void>((resolve) => aedes.unsubscribe(filter, deliver, () => resolve()));
    },
  };
}

/** Matches an MQTT topic against a filter with `+` and `#` wildcards. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export async function createClientBus(url: string, options: IClientOptions = {}): Promise<MessageBus> {
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username) || undefined;
  const password = decodeURIComponent(parsed.password) || undefined;
  parsed.username = '';
  parsed.password = '';
  const client: MqttClient = await connectAsync(parsed.toString(), {
    clientId: `peapod-hub-${process.pid}`,
    username,
    password,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    ...options,
  });
  const handlers: { filter: string; handler: (topic: string, payload: Buffer) => void }[] = [];
  client.on('message', (topic, payload) => {
    for (const h of handlers) if (topicMatches(h.filter, topic)) h.handler(topic, payload);
  });
  return {
    async publish(topic, payload, { qos, retain = false }) {
      await client.publishAsync(topic, payload, { qos, retain });
    },
    async subscribe(filter, handler) {
      handlers.push({ filter, handler });
      await client.subscribeAsync(filter, { qos: 1 });
    },
    async close() {
      await client.endAsync();
    },
  };
}
