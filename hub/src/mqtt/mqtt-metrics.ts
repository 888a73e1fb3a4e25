import type { MetricsRegistry } from '../prometheus/registry.js';

const NAMES = [
  'peapod_mqtt_connected_clients',
  'peapod_mqtt_messages_received_total',
  'peapod_mqtt_messages_dropped_total',
];

/** What the MQTT bridge counts for `/metrics`. */
export interface MqttMetrics {
  /** A node-to-hub message of this topic kind arrived. */
  received(kind: string): void;
  /** A message was dropped: unknown topic, malformed or oversized payload. */
  dropped(): void;
  unregister(): void;
}

export function registerMqttMetrics(registry: MetricsRegistry, connectedClients?: () => number): MqttMetrics {
  if (connectedClients)
    registry.gauge('peapod_mqtt_connected_clients', 'Clients connected to the embedded broker.', [], connectedClients);
  const received = registry.counter(
    'peapod_mqtt_messages_received_total',
    'Messages from nodes by topic kind (node-status, pod-status, pod-events, response …).',
    ['kind'],
  );
  const dropped = registry.counter(
    'peapod_mqtt_messages_dropped_total',
    'Messages from nodes the hub dropped as invalid.',
  );
  return {
    received: (kind) => received.inc({ kind }),
    dropped: () => dropped.inc(),
    unregister: () => {
      for (const name of NAMES) registry.remove(name);
    },
  };
}
