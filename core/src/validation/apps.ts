/** Deployment and ReplicaSet validation (kk-val apps `ValidateDeployment`, `ValidateReplicaSet`). */
import { canonicalJson } from '../hash.js';
import { selectorFromLabelSelector } from '../label-selector.js';
import type { FieldErrors } from './field-errors.js';
import { type NameValidator, validateLabelSelector, validateObjectMeta } from './meta.js';
import { validatePodTemplateForController } from './pod.js';

type Json = Record<string, unknown>;

const PERCENT_RE = /^[0-9]+%$/;

function validateSelectorAndTemplate(errs: FieldErrors, spec: Json, templateRequired: boolean): void {
  const sel = spec.selector;
  if (sel === undefined || sel === null) {
    errs.required('spec.selector');
  } else if (errs.isObject('spec.selector', sel)) {
    validateLabelSelector(errs, 'spec.selector', sel);
    const empty =
      Object.keys((sel.matchLabels as object | undefined) ?? {}).length === 0 &&
      ((sel.matchExpressions as unknown[] | undefined) ?? []).length === 0;
    if (empty) errs.invalid('spec.selector', sel, 'empty selector is invalid for deployment');
  }
  if (spec.template === undefined || spec.template === null) {
    if (templateRequired) errs.required('spec.template');
    return;
  }
  validatePodTemplateForController(errs, 'spec.template', spec.template);
  const labels = ((spec.template as Json)?.metadata as Json | undefined)?.labels as Record<string, string> | undefined;
  if (sel && typeof sel === 'object') {
    try {
      const s = selectorFromLabelSelector(sel as Json);
      if (!s.empty && !s.matches(labels ?? {})) {
        errs.invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`');
      }
    } catch {
      // Invalid selectors are reported by validateLabelSelector.
    }
  }
}

function validateIntOrPercent(errs: FieldErrors, path: string, v: unknown): number | 'percent' | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) errs.invalid(path, v, 'must be an integer');
    else if (v < 0) errs.invalid(path, v, 'must be greater than or equal to 0');
    return v;
  }
  if (typeof v === 'string') {
    if (!PERCENT_RE.test(v)) {
      errs.invalid(
        path,
        v,
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      );
      return undefined;
    }
    return Number(v.slice(0, -1)) === 0 ? 0 : 'percent';
  }
  errs.invalid(path, v, 'must be an integer or percentage');
  return undefined;
}

function validateStrategy(errs: FieldErrors, strategy: unknown): void {
  if (strategy === undefined || strategy === null || !errs.isObject('spec.strategy', strategy)) return;
  const type = strategy.type ?? 'RollingUpdate';
  if (type !== 'RollingUpdate' && type !== 'Recreate') {
    errs.notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']);
    return;
  }
  const ru = strategy.rollingUpdate;
  if (type === 'Recreate') {
    if (ru !== undefined && ru !== null) {
      errs.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
    }
    return;
  }
  if (ru === undefined || ru === null || !errs.isObject('spec.strategy.rollingUpdate', ru)) return;
  const p = 'spec.strategy.rollingUpdate';
  const unavailable = validateIntOrPercent(errs, `${p}.maxUnavailable`, ru.maxUnavailable);
  const surge = validateIntOrPercent(errs, `${p}.maxSurge`, ru.maxSurge);
  if (
    typeof ru.maxUnavailable === 'string' &&
    PERCENT_RE.test(ru.maxUnavailable) &&
    Number(ru.maxUnavailable.slice(0, -1)) > 100
  ) {
    errs.invalid(`${p}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%');
  }
  if (unavailable === 0 && surge === 0) {
    errs.invalid(`${p}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
  }
}

/**
 * What a Deployment and a ReplicaSet share: metadata, a required spec object, replicas,
 * minReadySeconds, selector and template. Returns the spec when it is an object to check further.
 */
function validateReplicatedSpec(errs: FieldErrors, obj: Json, validateName: NameValidator): Json | undefined {
  validateObjectMeta(errs, obj.metadata, { namespaced: true, validateName });
  const spec = obj.spec;
  if (spec === undefined || spec === null) {
    errs.required('spec');
    return undefined;
  }
  if (!errs.isObject('spec', spec)) return undefined;
  errs.nonNegative('spec.replicas', spec.replicas);
  errs.nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  validateSelectorAndTemplate(errs, spec, true);
  return spec;
}

export function validateDeployment(errs: FieldErrors, d: Json, validateName: NameValidator): void {
  const spec = validateReplicatedSpec(errs, d, validateName);
  if (!spec) return;
  validateStrategy(errs, spec.strategy);
  errs.nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  const pds = spec.progressDeadlineSeconds;
  errs.nonNegative('spec.progressDeadlineSeconds', pds);
  if (typeof pds === 'number' && typeof spec.minReadySeconds === 'number' && pds <= spec.minReadySeconds) {
    errs.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds');
  }
  if (spec.paused !== undefined && spec.paused !== null) errs.isBoolean('spec.paused', spec.paused);
}

export function validateReplicaSet(errs: FieldErrors, rs: Json, validateName: NameValidator): void {
  validateReplicatedSpec(errs, rs, validateName);
}

/** apps/v1: `spec.selector` is immutable. */
export function validateSelectorUpdate(errs: FieldErrors, obj: Json, old: Json): void {
  const sel = (obj.spec as Json | undefined)?.selector;
  const oldSel = (old.spec as Json | undefined)?.selector;
  if (oldSel !== undefined && canonicalJson(sel) !== canonicalJson(oldSel)) {
    errs.invalid('spec.selector', sel ?? null, 'field is immutable');
  }
}
