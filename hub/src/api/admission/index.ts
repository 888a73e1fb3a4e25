import { serviceAddressAdmission } from './service-addresses.js';
import type { AdmissionPlugin } from './types.js';

export type { AdmissionContext, AdmissionPlugin } from './types.js';

/**
 * The hub's admission chain, in the order the apiserver would run these plugins. (The
 * DefaultTolerationSeconds step lives in core's pod defaulting: `addDefaultTolerations`.)
 */
export function defaultAdmissionPlugins(): AdmissionPlugin[] {
  return [serviceAddressAdmission()];
}
