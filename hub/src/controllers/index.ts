import type { HubComponent } from '../component.js';
import { createDeploymentController } from './deployment.js';
import { createEventTtlComponent } from './event-ttl.js';
import { createGarbageCollector } from './garbage-collector.js';
import { createNodeLifecycleController } from './node-lifecycle.js';
import { createReplicaSetController } from './replicaset.js';

export { createDeploymentController } from './deployment.js';
export { createEventTtlComponent } from './event-ttl.js';
export { createEventRecorder, EVENT_TTL_MS, type EventRecorder } from './events.js';
export { createGarbageCollector } from './garbage-collector.js';
export { createNodeLifecycleController } from './node-lifecycle.js';
export { createReplicaSetController } from './replicaset.js';
export { createWorkQueue, type WorkQueue } from './work-queue.js';

/**
 * Every controller of the hub as one component: ReplicaSet, Deployment, node lifecycle (taints and
 * NoExecute eviction), garbage collector and Event expiry. Started in that order, stopped in reverse.
 */
export function createControllersComponent(): HubComponent {
  const parts = [
    createReplicaSetController(),
    createDeploymentController(),
    createNodeLifecycleController(),
    createGarbageCollector(),
    createEventTtlComponent(),
  ];
  return {
    name: 'controllers',
    async start(context) {
      for (const part of parts) await part.start(context);
    },
    async stop() {
      for (const part of [...parts].reverse()) await part.stop();
    },
  };
}
