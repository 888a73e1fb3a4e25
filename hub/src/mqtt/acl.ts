import { isSafeId, topics } from '@peapod/core';

/**
 * Who a broker connection is, and what it may publish and subscribe to. The embedded broker's
 * hooks call these; docs/protocol.md gives the equivalent Mosquitto ACL file.
 */
export type Identity = { kind: 'hub' } | { kind: 'node'; node: string } | { kind: 'join'; clientId: string };

export function mayPublish(identity: Identity, topic: string): boolean {
  switch (identity.kind) {
    case 'hub':
      return true;
    case 'join':
      return topic === topics.joinRequest(identity.clientId);
    case 'node': {
      const n = identity.node;
      if (
        [
          topics.nodeStatus(n),
          topics.lease(n),
          topics.podStatus(n),
          topics.podRemoved(n),
          topics.podEvents(n),
          topics.will(n),
        ].includes(topic)
      )
        return true;
      const responsePrefix = `${topics.nodeRoot(n)}/responses/`;
      return topic.startsWith(responsePrefix) && isSafeId(topic.slice(responsePrefix.length));
    }
  }
}

export function maySubscribe(identity: Identity, filter: string): boolean {
  switch (identity.kind) {
    case 'hub':
      return true;
    case 'join':
      return filter === topics.joinResponse(identity.clientId);
    case 'node': {
      const n = identity.node;
      return [
        topics.desiredAll(n),
        topics.desiredIndex(n),
        `${topics.nodeRoot(n)}/desired/pods/+`,
        topics.requests(n),
        topics.fleetServices,
      ].includes(filter);
    }
  }
}
