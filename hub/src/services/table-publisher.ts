import {
  buildServiceTable,
  type Endpoints,
  encode,
  type Node,
  PROTOCOL_VERSION,
  type ResourceType,
  resolveResourceType,
  type Service,
  stableHash,
  topics,
} from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';

const SERVICES = resolveResourceType('services') as ResourceType;
const ENDPOINTS = resolveResourceType('endpoints') as ResourceType;
const NODES = resolveResourceType('nodes') as ResourceType;

/** Coalesces bursts (a rollout moves many endpoints at once) into one publication. */
const DEBOUNCE_MS = 50;

/**
 * Publishes the fleet's Service table (core/src/service-table.ts) retained on
 * `topics.fleetServices` whenever Services, Endpoints or what matters of Nodes (address,
 * readiness) change — never for a plain heartbeat. Agents' Service proxies follow it
 * (docs/services.md). Starts after the MQTT component, which provides `context.publish`.
 */
export function createServiceTablePublisher(): HubComponent {
  const unsubscribe: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let lastHash = '';
  /** Per node, what the table depends on; heartbeats that change nothing of it cost O(1). */
  const nodeSignatures = new Map<string, string>();

  return {
    name: 'service-table-publisher',
    start(context: HubContext) {
      const publish = context.publish;
      if (!publish) {
        context.log.warn('service table: no MQTT bus; agents will not proxy Services');
        return;
      }
      const api = context.service;
      const flush = () => {
        timer = undefined;
        const services = api.list(SERVICES);
        const table = buildServiceTable(
          services.items as Service[],
          api.list(ENDPOINTS).items as Endpoints[],
          api.list(NODES).items as Node[],
          services.resourceVersion,
        );
        const hash = stableHash(table.services);
        if (hash === lastHash) return;
        lastHash = hash;
        publish(topics.fleetServices, encode({ v: PROTOCOL_VERSION, ...table }), { qos: 1, retain: true }).catch(
          (error) => {
            lastHash = '';
            context.log.warn('service table: publish failed', { error: String(error) });
          },
        );
      };
      const schedule = () => {
        timer ??= setTimeout(flush, DEBOUNCE_MS);
      };
      unsubscribe.push(api.watch(SERVICES, {}, schedule), api.watch(ENDPOINTS, {}, schedule));
      unsubscribe.push(
        api.watch(NODES, {}, (event) => {
          const name = event.object.metadata.name ?? '';
          const signature = event.type === 'DELETED' ? undefined : nodeSignature(event.object as Node);
          if (signature === nodeSignatures.get(name)) return;
          if (signature === undefined) nodeSignatures.delete(name);
          else nodeSignatures.set(name, signature);
          schedule();
        }),
      );
      for (const node of api.list(NODES).items as Node[])
        nodeSignatures.set(node.metadata.name ?? '', nodeSignature(node));
      schedule();
    },
    stop() {
      for (const u of unsubscribe.splice(0)) u();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** What of a Node the table depends on: its InternalIP and whether it is Ready. */
function nodeSignature(node: Node): string {
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
  return `${ip}/${ready}`;
}
