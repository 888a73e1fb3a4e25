/** ObjectMeta, labels, annotations and structured selectors (am-meta, kk-val). */
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../names.js';
import type { FieldErrors } from './field-errors.js';

export type NameValidator = (name: string) => string[];

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const utf8 = new TextEncoder();

/** Name rule per kind (k8s-semantics.md §1.2). */
export const NAME_VALIDATORS: Record<string, NameValidator> = {
  Pod: isDNS1123Subdomain,
  Node: isDNS1123Subdomain,
  Namespace: isDNS1123Label,
  Service: isDNS1035Label,
  Endpoints: isDNS1123Subdomain,
  Event: isDNS1123Subdomain,
  Deployment: isDNS1123Subdomain,
  ReplicaSet: isDNS1123Subdomain,
};

export function validateLabels(errs: FieldErrors, path: string, labels: unknown): void {
  if (labels === undefined || labels === null) return;
  if (!errs.stringMap(path, labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    errs.invalidEach(path, k, isQualifiedName(k));
    errs.invalidEach(path, v, isValidLabelValue(v));
  }
}

export function validateAnnotations(errs: FieldErrors, path: string, annotations: unknown): void {
  if (annotations === undefined || annotations === null) return;
  if (!errs.stringMap(path, annotations)) return;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    errs.invalidEach(path, k, isQualifiedName(k.toLowerCase()));
    total += utf8.encode(k).length + utf8.encode(v).length;
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT);
}

export interface MetaRules {
  namespaced: boolean;
  validateName: NameValidator;
}

/** ValidateObjectMeta: name/generateName, namespace, labels, annotations, owner references, finalizers. */
export function validateObjectMeta(errs: FieldErrors, meta: unknown, rules: MetaRules, path = 'metadata'): void {
  if (!errs.isObject(path, meta)) return;
  const { name, generateName, namespace } = meta;
  if (generateName !== undefined && generateName !== '' && errs.isString(`${path}.generateName`, generateName)) {
    const masked = generateName.endsWith('-') ? generateName.slice(0, -1) : generateName;
    if (masked !== '') errs.invalidEach(`${path}.generateName`, generateName, rules.validateName(masked));
  }
  if (name === undefined || name === '') {
    if (!generateName) errs.required(`${path}.name`, 'name or generateName is required');
  } else if (errs.isString(`${path}.name`, name)) {
    errs.invalidEach(`${path}.name`, name, rules.validateName(name));
  }
  if (rules.namespaced) {
    if (namespace === undefined || namespace === '') errs.required(`${path}.namespace`);
    else if (errs.isString(`${path}.namespace`, namespace)) {
      errs.invalidEach(`${path}.namespace`, namespace, isDNS1123Label(namespace));
    }
  } else if (namespace !== undefined && namespace !== '') {
    errs.forbidden(`${path}.namespace`, 'not allowed on this type');
  }
  validateLabels(errs, `${path}.labels`, meta.labels);
  validateAnnotations(errs, `${path}.annotations`, meta.annotations);
  validateOwnerReferences(errs, `${path}.ownerReferences`, meta.ownerReferences);
  if (meta.finalizers !== undefined && errs.isArray(`${path}.finalizers`, meta.finalizers)) {
    meta.finalizers.forEach((f, i) => {
      if (errs.isString(`${path}.finalizers[${i}]`, f)) errs.invalidEach(`${path}.finalizers`, f, isQualifiedName(f));
    });
  }
}

function validateOwnerReferences(errs: FieldErrors, path: string, refs: unknown): void {
  if (refs === undefined || refs === null || !errs.isArray(path, refs)) return;
  let controllers = 0;
  refs.forEach((ref, i) => {
    const p = `${path}[${i}]`;
    if (!errs.isObject(p, ref)) return;
    for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
      if (ref[key] === undefined || ref[key] === '')
        errs.invalid(`${p}.${key}`, ref[key] ?? '', `${key} must not be empty`);
    }
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) {
    errs.invalid(path, refs, 'Only one reference can have Controller set to true');
  }
}

/** ValidateObjectMetaUpdate: identity fields are immutable. */
export function validateObjectMetaUpdate(errs: FieldErrors, meta: unknown, old: unknown, path = 'metadata'): void {
  if (!meta || typeof meta !== 'object' || !old || typeof old !== 'object') return;
  const m = meta as Record<string, unknown>;
  const o = old as Record<string, unknown>;
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp']) {
    if (o[key] !== undefined && m[key] !== undefined && m[key] !== o[key]) {
      errs.invalid(`${path}.${key}`, m[key], 'field is immutable');
    }
  }
}

/** ValidateLabelSelector (structured form): matchLabels as labels, matchExpressions operators/values. */
export function validateLabelSelector(errs: FieldErrors, path: string, sel: unknown): void {
  if (sel === undefined || sel === null || !errs.isObject(path, sel)) return;
  validateLabels(errs, `${path}.matchLabels`, sel.matchLabels);
  const exprs = sel.matchExpressions;
  if (exprs === undefined || exprs === null || !errs.isArray(`${path}.matchExpressions`, exprs)) return;
  exprs.forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (!errs.isObject(p, e)) return;
    const values = e.values;
    if (values !== undefined && values !== null && !errs.isArray(`${p}.values`, values)) return;
    const count = Array.isArray(values) ? values.length : 0;
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (count === 0) errs.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (count > 0)
          errs.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        break;
      default:
        errs.invalid(`${p}.operator`, e.operator ?? '', 'not a valid selector operator');
    }
    if (errs.isString(`${p}.key`, e.key)) errs.invalidEach(`${p}.key`, e.key, isQualifiedName(e.key));
    if (Array.isArray(values)) {
      values.forEach((v, j) => {
        if (errs.isString(`${p}.values[${j}]`, v)) errs.invalidEach(`${p}.values[${j}]`, v, isValidLabelValue(v));
      });
    }
  });
}
