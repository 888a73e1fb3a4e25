/** Scheduling constraints in a pod spec: tolerations and node affinity (kk-val). */
import { isQualifiedName, isValidLabelValue } from '../names.js';
import type { FieldErrors } from './field-errors.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const NODE_SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'];

export function validateTolerations(errs: FieldErrors, path: string, tolerations: unknown): void {
  if (tolerations === undefined || tolerations === null || !errs.isArray(path, tolerations)) return;
  tolerations.forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (!errs.isObject(p, t)) return;
    const key = (t.key ?? '') as string;
    const operator = (t.operator ?? '') as string;
    const value = (t.value ?? '') as string;
    const effect = (t.effect ?? '') as string;
    if (key !== '') errs.invalidEach(`${p}.key`, key, isQualifiedName(key));
    if (key === '' && operator !== 'Exists') {
      errs.invalid(
        `${p}.operator`,
        operator,
        'operator must be Exists when `key` is empty, which means "match all values and all keys"',
      );
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) {
      if (effect !== 'NoExecute')
        errs.invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
      errs.isInteger(`${p}.tolerationSeconds`, t.tolerationSeconds);
    }
    switch (operator) {
      case 'Equal':
      case '':
        errs.invalidEach(`${p}.operator`, value, [isValidLabelValue(String(value)).join(';')].filter(Boolean));
        break;
      case 'Exists':
        if (value !== '') errs.invalid(`${p}.operator`, t, "value must be empty when `operator` is 'Exists'");
        break;
      default:
        errs.notSupported(`${p}.operator`, operator, ['Equal', 'Exists']);
    }
    if (effect !== '' && !TAINT_EFFECTS.includes(effect)) errs.notSupported(`${p}.effect`, effect, TAINT_EFFECTS);
  });
}

function validateNodeSelectorRequirements(errs: FieldErrors, path: string, reqs: unknown, fields: boolean): void {
  if (reqs === undefined || reqs === null || !errs.isArray(path, reqs)) return;
  reqs.forEach((r, i) => {
    const p = `${path}[${i}]`;
    if (!errs.isObject(p, r)) return;
    const values = Array.isArray(r.values) ? r.values : [];
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        break;
      case 'Gt':
      case 'Lt':
        if (values.length !== 1)
          errs.required(`${p}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'");
        else if (!/^[+-]?[0-9]+$/.test(String(values[0])))
          errs.invalid(`${p}.values[0]`, values[0], 'must be a valid int64');
        break;
      default:
        errs.notSupported(`${p}.operator`, r.operator ?? '', NODE_SELECTOR_OPERATORS);
    }
    if (fields) {
      if (r.key !== 'metadata.name') errs.invalid(`${p}.key`, r.key ?? '', 'not a valid field selector key');
    } else if (errs.isString(`${p}.key`, r.key)) {
      errs.invalidEach(`${p}.key`, r.key, isQualifiedName(r.key));
    }
  });
}

function validateNodeSelectorTerm(errs: FieldErrors, path: string, term: unknown): void {
  if (!errs.isObject(path, term)) return;
  validateNodeSelectorRequirements(errs, `${path}.matchExpressions`, term.matchExpressions, false);
  validateNodeSelectorRequirements(errs, `${path}.matchFields`, term.matchFields, true);
}

export function validateAffinity(errs: FieldErrors, path: string, affinity: unknown): void {
  if (affinity === undefined || affinity === null || !errs.isObject(path, affinity)) return;
  const na = affinity.nodeAffinity;
  if (na === undefined || na === null || !errs.isObject(`${path}.nodeAffinity`, na)) return;
  const reqPath = `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`;
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (req !== undefined && req !== null && errs.isObject(reqPath, req)) {
    const terms = req.nodeSelectorTerms;
    if (!Array.isArray(terms) || terms.length === 0) {
      errs.required(`${reqPath}.nodeSelectorTerms`, 'must have at least one node selector term');
    } else {
      terms.forEach((t, i) => {
        validateNodeSelectorTerm(errs, `${reqPath}.nodeSelectorTerms[${i}]`, t);
      });
    }
  }
  const prefPath = `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution`;
  const pref = na.preferredDuringSchedulingIgnoredDuringExecution;
  if (pref !== undefined && pref !== null && errs.isArray(prefPath, pref)) {
    pref.forEach((t, i) => {
      const p = `${prefPath}[${i}]`;
      if (!errs.isObject(p, t)) return;
      if (typeof t.weight !== 'number' || t.weight < 1 || t.weight > 100) {
        errs.invalid(`${p}.weight`, t.weight ?? 0, 'must be in the range 1-100');
      }
      validateNodeSelectorTerm(errs, `${p}.preference`, t.preference);
    });
  }
}

/** ValidatePodSpec. */
