import {
  decodeJoinRequest,
  encode,
  isApiError,
  type JoinResponse,
  PROTOCOL_VERSION,
  resolveResourceType,
  topics,
} from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import type { Logger } from '../component.js';
import type { MessageBus } from './bus.js';
import type { CredentialStore } from './credentials.js';

const NODES = resolveResourceType('nodes')!;

/**
 * The join exchange (like `k3s agent --token`): a client authenticated with the join token asks
 * for a node name and receives that node's own credential, once. A name that already has a
 * credential and a Node object is refused (delete the node first to re-join a wiped device).
 */
export function handleJoin(
  clientId: string,
  payload: Buffer,
  deps: { bus: MessageBus; credentials: CredentialStore; service: ResourceService; log: Logger },
): Promise<void> {
  let response: JoinResponse;
  try {
    const { nodeName } = decodeJoinRequest(payload);
    if (deps.credentials.hasNode(nodeName) && nodeExists(deps.service, nodeName)) {
      response = {
        v: PROTOCOL_VERSION,
        ok: false,
        error: `node "${nodeName}" is already registered; delete the node (peapod delete node ${nodeName}) to join again`,
      };
    } else {
      const credential = deps.credentials.issue(nodeName);
      response = { v: PROTOCOL_VERSION, ok: true, ...credential };
      deps.log.info('mqtt: node joined', { node: nodeName });
    }
  } catch (err) {
    response = { v: PROTOCOL_VERSION, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (!response.ok) deps.log.warn('mqtt: join refused', { clientId, error: response.error });
  return deps.bus.publish(topics.joinResponse(clientId), encode(response), { qos: 1 });
}

function nodeExists(service: ResourceService, name: string): boolean {
  try {
    service.get(NODES, undefined, name);
    return true;
  } catch (err) {
    if (isApiError(err) && err.code === 404) return false;
    throw err;
  }
}
