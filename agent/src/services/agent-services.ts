import type { ServiceTable } from '@peapod/core';
import { ClusterIpRules } from './cluster-ip-rules.js';
import { ServiceProxy } from './service-proxy.js';

/**
 * The agent's part of Services (docs/services.md): the NodePort/ClusterIP proxy with its relay,
 * and the iptables rules that send pods' ClusterIP traffic to it. Without iptables (or root),
 * NodePorts keep working and ClusterIPs are reported as unavailable once.
 */
export interface AgentServicesOptions {
  nodeName: string;
  /** The node's InternalIP: NodePorts and the relay listen there. */
  listenHost: string;
  relayPort: number;
  clusterIPs: boolean;
  log: { warn(message: string, fields?: Record<string, unknown>): void };
}

export const DEFAULT_RELAY_PORT = 10280;

export class AgentServices {
  readonly #options: AgentServicesOptions;
  readonly #proxy: ServiceProxy;
  readonly #rules: ClusterIpRules;
  #rulesBroken = false;
  #latest?: ServiceTable;
  #applying: Promise<void> = Promise.resolve();

  constructor(options: AgentServicesOptions) {
    this.#options = options;
    this.#proxy = new ServiceProxy({
      nodeName: options.nodeName,
      listenHost: options.listenHost,
      relayPort: options.relayPort,
      log: (message) => options.log.warn(`services: ${message}`),
    });
    this.#rules = new ClusterIpRules(options.nodeName);
  }

  async start(): Promise<void> {
    await this.#proxy.start();
  }

  /** The newest table wins; tables arriving while one is applied are coalesced. */
  update(table: ServiceTable): void {
    this.#latest = table;
    this.#applying = this.#applying.then(() => this.#apply());
  }

  /** The ClusterIP → local port map in force (for tests and `describe node`). */
  clusterPorts(): ReturnType<ServiceProxy['clusterPorts']> {
    return this.#proxy.clusterPorts();
  }

  nodePorts(): number[] {
    return this.#proxy.listeningNodePorts();
  }

  /** Resolves when every table received so far has been applied. */
  settled(): Promise<void> {
    return this.#applying;
  }

  async stop(): Promise<void> {
    await this.#applying;
    await this.#proxy.close();
    if (this.#options.clusterIPs && !this.#rulesBroken) await this.#rules.close();
  }

  async #apply(): Promise<void> {
    const table = this.#latest;
    if (!table) return;
    this.#latest = undefined;
    await this.#proxy.update(table);
    if (!this.#options.clusterIPs || this.#rulesBroken) return;
    try {
      await this.#rules.apply(this.#proxy.clusterPorts());
    } catch (error) {
      this.#rulesBroken = true;
      this.#options.log.warn('services: ClusterIP rules unavailable (needs root and iptables); NodePorts still work', {
        error: String(error),
      });
    }
  }
}
