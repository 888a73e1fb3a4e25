/** Node, Namespace, Endpoints and Event validation (kk-val). */
import { isDNS1123Label, isQualifiedName, isValidLabelValue, isValidPortNum } from '../names.js';
import { PROTOCOLS } from './container.js';
import type { FieldErrors } from './field-errors.js';
import { type NameValidator, validateObjectMeta } from './meta.js';
import { validateResourceList } from './resources.js';
import { TAINT_EFFECTS } from './scheduling.js';
import { isIP } from './service.js';

type Json = Record<string, unknown>;

export function validateNode(errs: FieldErrors, node: Json, validateName: NameValidator): void {
  validateObjectMeta(errs, node.metadata, { namespaced: false, validateName });
  const spec = node.spec;
  if (spec !== undefined && spec !== null && errs.isObject('spec', spec)) {
    if (spec.unschedulable !== undefined && spec.unschedulable !== null)
      errs.isBoolean('spec.unschedulable', spec.unschedulable);
    const taints = spec.taints;
    if (taints !== undefined && taints !== null && errs.isArray('spec.taints', taints)) {
      const seen = new Set<string>();
      taints.forEach((t, i) => {
        const p = `spec.taints[${i}]`;
        if (!errs.isObject(p, t)) return;
        if (t.key === undefined || t.key === '') errs.required(`${p}.key`);
        else if (errs.isString(`${p}.key`, t.key)) errs.invalidEach(`${p}.key`, t.key, isQualifiedName(t.key));
        if (t.value !== undefined && t.value !== '' && errs.isString(`${p}.value`, t.value)) {
          errs.invalidEach(`${p}.value`, t.value, isValidLabelValue(t.value));
        }
        if (t.effect === undefined || t.effect === '') errs.required(`${p}.effect`);
        else if (!TAINT_EFFECTS.includes(t.effect as string)) errs.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS);
        const key = `${t.key}:${t.effect}`;
        if (seen.has(key)) errs.duplicate(p, { key: t.key, effect: t.effect });
        seen.add(key);
      });
    }
  }
  const status = node.status;
  if (status !== undefined && status !== null && errs.isObject('status', status)) {
    validateResourceList(errs, 'status.capacity', status.capacity, 'node');
    validateResourceList(errs, 'status.allocatable', status.allocatable, 'node');
  }
}

export function validateNamespace(errs: FieldErrors, ns: Json, validateName: NameValidator): void {
  validateObjectMeta(errs, ns.metadata, { namespaced: false, validateName });
  const phase = (ns.status as Json | undefined)?.phase;
  if (phase !== undefined && phase !== 'Active' && phase !== 'Terminating') {
    errs.notSupported('status.phase', phase, ['Active', 'Terminating']);
  }
}

export function validateEndpoints(errs: FieldErrors, ep: Json, validateName: NameValidator): void {
  validateObjectMeta(errs, ep.metadata, { namespaced: true, validateName });
  const subsets = ep.subsets;
  if (subsets === undefined || subsets === null || !errs.isArray('subsets', subsets)) return;
  subsets.forEach((ss, i) => {
    const p = `subsets[${i}]`;
    if (!errs.isObject(p, ss)) return;
    for (const list of ['addresses', 'notReadyAddresses']) {
      const addrs = ss[list];
      if (addrs === undefined || addrs === null || !errs.isArray(`${p}.${list}`, addrs)) continue;
      addrs.forEach((a, j) => {
        const ap = `${p}.${list}[${j}]`;
        if (!errs.isObject(ap, a)) return;
        if (typeof a.ip !== 'string' || !isIP(a.ip)) errs.invalid(`${ap}.ip`, a.ip ?? '', 'must be a valid IP address');
      });
    }
    const ports = ss.ports;
    if (ports === undefined || ports === null || !errs.isArray(`${p}.ports`, ports)) return;
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (!errs.isObject(pp, port)) return;
      if (port.name !== undefined && port.name !== '' && errs.isString(`${pp}.name`, port.name)) {
        errs.invalidEach(`${pp}.name`, port.name, isDNS1123Label(port.name));
      }
      if (errs.isInteger(`${pp}.port`, port.port)) errs.invalidEach(`${pp}.port`, port.port, isValidPortNum(port.port));
      const protocol = (port.protocol ?? 'TCP') as string;
      if (!PROTOCOLS.includes(protocol)) errs.notSupported(`${pp}.protocol`, protocol, PROTOCOLS);
    });
  });
}

export function validateEvent(errs: FieldErrors, ev: Json, validateName: NameValidator): void {
  validateObjectMeta(errs, ev.metadata, { namespaced: true, validateName });
  const involved = ev.involvedObject;
  if (involved === undefined || involved === null) {
    errs.required('involvedObject');
    return;
  }
  if (!errs.isObject('involvedObject', involved)) return;
  const ns = (ev.metadata as Json | undefined)?.namespace;
  if (involved.namespace && ns && involved.namespace !== ns) {
    errs.invalid('involvedObject.namespace', involved.namespace, 'does not match event.namespace');
  }
  if (ev.type !== undefined && ev.type !== '' && ev.type !== 'Normal' && ev.type !== 'Warning') {
    errs.notSupported('type', ev.type, ['Normal', 'Warning']);
  }
  if (ev.count !== undefined && ev.count !== null) errs.nonNegative('count', ev.count);
}
