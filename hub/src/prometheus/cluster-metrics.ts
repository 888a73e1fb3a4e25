import type { Node, Pod } from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { listAndWatch } from '../controllers/list-watch.js';
import { NODES, objectKey, PODS } from '../controllers/objects.js';
import { nodeReadyStatus } from '../scheduler/taints.js';

/** What a pod counts as: its phase, with `Unscheduled` for Pending pods not bound to a node. */
function podState(pod: Pod): string {
  const phase = pod.status?.phase ?? 'Pending';
  return phase === 'Pending' && !pod.spec?.nodeName ? 'Unscheduled' : phase;
}

/** Tallies of objects by a derived state, kept up to date from watch events. */
class Tally {
  private readonly stateOf = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  set(key: string, state: string | undefined): void {
    const old = this.stateOf.get(key);
    if (old === state) return;
    if (old !== undefined) this.counts.set(old, (this.counts.get(old) ?? 1) - 1);
    if (state === undefined) this.stateOf.delete(key);
    else {
      this.stateOf.set(key, state);
      this.counts.set(state, (this.counts.get(state) ?? 0) + 1);
    }
  }

  samples(label: string, states: readonly string[]): { labels: Record<string, string>; value: number }[] {
    const all = new Set([...states, ...this.counts.keys()]);
    return [...all].map((s) => ({ labels: { [label]: s }, value: this.counts.get(s) ?? 0 }));
  }
}

const POD_STATES = ['Unscheduled', 'Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const READY_STATES = ['True', 'False', 'Unknown'];

/**
 * Fleet gauges for `/metrics`: nodes by Ready status and pods by phase, kept from watches (a scrape
 * costs nothing however many pods there are).
 */
export function createClusterMetricsComponent(): HubComponent {
  const unwatch: (() => void)[] = [];
  const names = ['peapod_nodes', 'peapod_pods'];
  let registry: HubContext['metrics'];
  return {
    name: 'cluster-metrics',
    start(context: HubContext) {
      registry = context.metrics;
      if (!registry) return;
      const nodes = new Tally();
      const pods = new Tally();
      registry.gauge('peapod_nodes', 'Nodes by the status of their Ready condition.', ['ready'], () =>
        nodes.samples('ready', READY_STATES),
      );
      registry.gauge(
        'peapod_pods',
        'Pods by phase (Unscheduled: Pending and not yet bound to a node).',
        ['phase'],
        () => pods.samples('phase', POD_STATES),
      );
      unwatch.push(
        listAndWatch<Node>(context.service, NODES, (type, node) =>
          nodes.set(node.metadata.name!, type === 'DELETED' ? undefined : (nodeReadyStatus(node) ?? 'Unknown')),
        ),
        listAndWatch<Pod>(context.service, PODS, (type, pod) =>
          pods.set(objectKey(pod), type === 'DELETED' ? undefined : podState(pod)),
        ),
      );
    },
    stop() {
      for (const stop of unwatch.splice(0)) stop();
      for (const name of names) registry?.remove(name);
    },
  };
}
