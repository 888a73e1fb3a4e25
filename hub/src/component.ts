import type { NodeProxy } from './api/node-proxy.js';
import type { ResourceService } from './api/service-types.js';
import type { MetricsRegistry } from './prometheus/registry.js';
import type { ObjectStore } from './store/types.js';

/**
 * A part of the hub with a lifecycle: the HTTP API, the MQTT bridge, the scheduler, each
 * controller. `startHub` (hub/src/hub.ts) builds the store and the service, then starts the
 * components in order and stops them in reverse.
 */
export interface HubComponent {
  readonly name: string;
  start(context: HubContext): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Lines for the admin summary a starting hub prints (`describeHub`); read after start. */
  describe?(): string[];
}

export interface HubContext {
  store: ObjectStore;
  service: ResourceService;
  /** Absolute path of the hub's data directory (SQLite file, certificates, tokens). */
  dataDir: string;
  /** Milliseconds since the epoch; injectable for tests of time-based logic. */
  now(): number;
  log: Logger;
  /** Prometheus metrics served at `/metrics`; components register theirs when they start. */
  metrics?: MetricsRegistry;
  /** The MQTT bridge registers itself here; the HTTP layer uses it for logs/exec/top. */
  nodeProxy?: NodeProxy;
  /** The MQTT bridge's publisher, for components that broadcast to agents (the Service table). */
  publish?(topic: string, payload: Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}
