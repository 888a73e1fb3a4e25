/** Service validation (kk-val `ValidateService`, `ValidateServiceUpdate`; k8s-semantics.md §11). */
import { isDNS1123Label, isDNS1123Subdomain, isValidPortNum } from '../names.js';
import { PROTOCOLS } from './container.js';
import type { FieldErrors } from './field-errors.js';
import { validateLabels } from './meta.js';
import { validatePortNumOrName } from './probes.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

type Json = Record<string, unknown>;

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** IPv4 dotted quad or a plausible IPv6 literal. */
export function isIP(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const doubleColons = s.split('::').length - 1;
  if (doubleColons > 1) return false;
  const groups = s.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1] ?? '';
  const v4Tail = last.includes('.');
  if (v4Tail && !IPV4.test(last)) return false;
  const hexGroups = v4Tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = hexGroups.length + (v4Tail ? 2 : 0);
  return doubleColons === 1 ? count < 8 : count === 8;
}

const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

export function validateService(errs: FieldErrors, svc: Json): void {
  const spec = svc.spec;
  if (spec === undefined || spec === null) {
    errs.required('spec');
    return;
  }
  if (!errs.isObject('spec', spec)) return;
  const type = (spec.type ?? 'ClusterIP') as string;
  if (!SERVICE_TYPES.includes(type)) errs.notSupported('spec.type', type, SERVICE_TYPES);
  const clusterIP = spec.clusterIP;
  const headless = clusterIP === 'None';
  if (clusterIP !== undefined && clusterIP !== '' && errs.isString('spec.clusterIP', clusterIP)) {
    if (type === 'ExternalName') {
      errs.forbidden('spec.clusterIP', 'may not be set for ExternalName services');
    } else if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
      errs.invalid('spec.clusterIP', clusterIP, `may not be set to 'None' for ${type} services`);
    } else if (!headless && !isIP(clusterIP)) {
      errs.invalid('spec.clusterIP', clusterIP, IP_ERROR);
    }
  }
  if (type === 'ExternalName') {
    const name = spec.externalName;
    if (name === undefined || name === '') errs.required('spec.externalName');
    else if (errs.isString('spec.externalName', name)) {
      const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
      errs.invalidEach('spec.externalName', name, isDNS1123Subdomain(trimmed));
    }
  }
  validateServicePorts(errs, spec, type, headless);
  validateLabels(errs, 'spec.selector', spec.selector);
  if (
    spec.externalIPs !== undefined &&
    spec.externalIPs !== null &&
    errs.isArray('spec.externalIPs', spec.externalIPs)
  ) {
    spec.externalIPs.forEach((ip, i) => {
      if (errs.isString(`spec.externalIPs[${i}]`, ip) && !isIP(ip))
        errs.invalid(`spec.externalIPs[${i}]`, ip, IP_ERROR);
    });
  }
  const affinity = spec.sessionAffinity;
  if (affinity !== undefined && affinity !== 'None' && affinity !== 'ClientIP') {
    errs.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']);
  }
  const timeout = (spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: unknown } } | undefined)?.clientIP
    ?.timeoutSeconds;
  if (timeout !== undefined) {
    const p = 'spec.sessionAffinityConfig.clientIP.timeoutSeconds';
    if (affinity !== 'ClientIP')
      errs.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None');
    else if (typeof timeout !== 'number' || timeout <= 0 || timeout > 86400) {
      errs.invalid(p, timeout, 'must be greater than 0 and less than 86400');
    }
  }
  for (const f of ['externalTrafficPolicy', 'internalTrafficPolicy']) {
    const v = spec[f];
    if (v !== undefined && v !== 'Cluster' && v !== 'Local') errs.notSupported(`spec.${f}`, v, ['Cluster', 'Local']);
  }
  if (spec.externalTrafficPolicy !== undefined && type !== 'NodePort' && type !== 'LoadBalancer') {
    errs.invalid(
      'spec.externalTrafficPolicy',
      spec.externalTrafficPolicy,
      "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
    );
  }
}

function validateServicePorts(errs: FieldErrors, spec: Json, type: string, headless: boolean): void {
  const ports = spec.ports;
  if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0)) {
    if (type !== 'ExternalName' && !headless) errs.required('spec.ports');
    return;
  }
  if (!errs.isArray('spec.ports', ports)) return;
  const names = new Set<string>();
  const pairs = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    if (!errs.isObject(p, port)) return;
    if (port.name === undefined || port.name === '') {
      if (ports.length > 1) errs.required(`${p}.name`);
    } else if (errs.isString(`${p}.name`, port.name)) {
      errs.invalidEach(`${p}.name`, port.name, isDNS1123Label(port.name));
      if (names.has(port.name)) errs.duplicate(`${p}.name`, port.name);
      names.add(port.name);
    }
    if (port.port === undefined || port.port === 0)
      errs.invalid(`${p}.port`, port.port ?? 0, 'must be between 1 and 65535, inclusive');
    else if (errs.isInteger(`${p}.port`, port.port))
      errs.invalidEach(`${p}.port`, port.port, isValidPortNum(port.port));
    const protocol = (port.protocol ?? 'TCP') as string;
    if (!PROTOCOLS.includes(protocol)) errs.notSupported(`${p}.protocol`, protocol, PROTOCOLS);
    if (port.targetPort !== undefined && port.targetPort !== 0 && port.targetPort !== '') {
      validatePortNumOrName(errs, `${p}.targetPort`, port.targetPort);
    }
    const pair = JSON.stringify({ port: port.port, protocol });
    if (pairs.has(pair)) errs.duplicate(p, { port: port.port, protocol });
    pairs.add(pair);
    const nodePort = port.nodePort;
    if (nodePort !== undefined && nodePort !== 0 && nodePort !== null) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        errs.forbidden(`${p}.nodePort`, `may not be used when \`type\` is '${type}'`);
      } else if (errs.isInteger(`${p}.nodePort`, nodePort)) {
        if (nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX) {
          errs.invalid(
            `${p}.nodePort`,
            nodePort,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`,
          );
        }
        const key = `${nodePort}/${protocol}`;
        if (nodePorts.has(key)) errs.duplicate(`${p}.nodePort`, nodePort);
        nodePorts.add(key);
      }
    }
  });
}

/** clusterIP is immutable once allocated (an empty new value means "keep", the hub preserves it). */
export function validateServiceUpdate(errs: FieldErrors, svc: Json, old: Json): void {
  const spec = svc.spec as Json | undefined;
  const oldSpec = old.spec as Json | undefined;
  if (!spec || !oldSpec || typeof spec !== 'object' || typeof oldSpec !== 'object') return;
  const typeOf = (s: Json) => (s.type ?? 'ClusterIP') as string;
  if (typeOf(spec) === 'ExternalName' || typeOf(oldSpec) === 'ExternalName') return;
  const next = spec.clusterIP;
  const prev = oldSpec.clusterIP;
  if (prev && next && next !== prev) errs.invalid('spec.clusterIP', next, 'field is immutable');
}
