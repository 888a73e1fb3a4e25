export { type Identity, mayPublish, maySubscribe } from './acl.js';
export { type EmbeddedBroker, startEmbeddedBroker } from './broker.js';
export {
  createMqttComponent,
  DEFAULT_MQTTS_PORT,
  DEFAULT_NODE_GRACE_PERIOD_MS,
  DEFAULT_WSS_PORT,
  type MqttComponent,
  type MqttComponentOptions,
} from './component.js';
export { CredentialStore } from './credentials.js';
export { desiredHash, desiredPodOf } from './desired-state.js';
export {
  OFFLINE_HISTORY_ANNOTATION,
  type OfflineRecord,
  readOfflineHistory,
  USAGE_ANNOTATION,
} from './node-status.js';
