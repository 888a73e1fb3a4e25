/** Pod spec, volumes and pod templates (kk-val `ValidatePodSpec`, `ValidatePodUpdate`). */
import { canonicalJson } from '../hash.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../names.js';
import { parseQuantity, QuantityError } from '../quantities.js';
import { validateContainer } from './container.js';
import type { FieldErrors } from './field-errors.js';
import { validateAnnotations, validateLabels, validateObjectMeta } from './meta.js';
import { validateAffinity, validateTolerations } from './scheduling.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const HOST_PATH_TYPES = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];

function validateVolumes(errs: FieldErrors, path: string, volumes: unknown): Set<string> {
  const names = new Set<string>();
  if (volumes === undefined || volumes === null || !errs.isArray(path, volumes)) return names;
  volumes.forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!errs.isObject(p, v)) return;
    if (v.name === undefined || v.name === '') errs.required(`${p}.name`);
    else if (errs.isString(`${p}.name`, v.name)) {
      errs.invalidEach(`${p}.name`, v.name, isDNS1123Label(v.name));
      if (names.has(v.name)) errs.duplicate(`${p}.name`, v.name);
      names.add(v.name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    if (sources.length === 0) errs.required(p, 'must specify a volume type');
    for (const extra of sources.slice(1)) errs.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type');
    if (v.hostPath !== undefined && errs.isObject(`${p}.hostPath`, v.hostPath)) {
      if (!v.hostPath.path) errs.required(`${p}.hostPath.path`);
      const type = v.hostPath.type;
      if (type !== undefined && !HOST_PATH_TYPES.includes(type as string)) {
        errs.notSupported(`${p}.hostPath.type`, type, HOST_PATH_TYPES);
      }
    }
    if (v.emptyDir !== undefined && errs.isObject(`${p}.emptyDir`, v.emptyDir)) {
      const { medium, sizeLimit } = v.emptyDir;
      if (medium !== undefined && !['', 'Memory', 'HugePages'].includes(medium as string)) {
        errs.notSupported(`${p}.emptyDir.medium`, medium, ['', 'Memory', 'HugePages']);
      }
      if (sizeLimit !== undefined) {
        try {
          if (parseQuantity(String(sizeLimit)).value < 0n) {
            errs.invalid(`${p}.emptyDir.sizeLimit`, sizeLimit, 'must be greater than or equal to 0');
          }
        } catch (e) {
          if (!(e instanceof QuantityError)) throw e;
          errs.invalid(`${p}.emptyDir.sizeLimit`, sizeLimit, e.message);
        }
      }
    }
  });
  return names;
}

export function validatePodSpec(errs: FieldErrors, path: string, spec: unknown): void {
  if (spec === undefined || spec === null) {
    errs.required(path);
    return;
  }
  if (!errs.isObject(path, spec)) return;
  const volumes = validateVolumes(errs, `${path}.volumes`, spec.volumes);
  const names = new Set<string>();
  const hostNetwork = spec.hostNetwork === true;
  if (spec.initContainers !== undefined && spec.initContainers !== null) {
    if (errs.isArray(`${path}.initContainers`, spec.initContainers)) {
      spec.initContainers.forEach((c, i) => {
        validateContainer(errs, `${path}.initContainers[${i}]`, c, { names, volumes, init: true, hostNetwork });
      });
    }
  }
  if (
    spec.containers === undefined ||
    spec.containers === null ||
    (Array.isArray(spec.containers) && spec.containers.length === 0)
  ) {
    errs.required(`${path}.containers`);
  } else if (errs.isArray(`${path}.containers`, spec.containers)) {
    spec.containers.forEach((c, i) => {
      validateContainer(errs, `${path}.containers[${i}]`, c, { names, volumes, init: false, hostNetwork });
    });
  }
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy as string)) {
    errs.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES);
  }
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy as string)) {
    errs.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES);
  }
  errs.nonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && errs.isInteger(`${path}.activeDeadlineSeconds`, ads)) {
    if (ads < 1 || ads > 2147483647)
      errs.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive');
  }
  if (spec.nodeName !== undefined && spec.nodeName !== '' && errs.isString(`${path}.nodeName`, spec.nodeName)) {
    errs.invalidEach(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName));
  }
  validateLabels(errs, `${path}.nodeSelector`, spec.nodeSelector);
  for (const f of ['hostname', 'subdomain']) {
    const v = spec[f];
    if (v !== undefined && v !== '' && errs.isString(`${path}.${f}`, v))
      errs.invalidEach(`${path}.${f}`, v, isDNS1123Label(v));
  }
  if (
    spec.schedulerName !== undefined &&
    spec.schedulerName !== '' &&
    errs.isString(`${path}.schedulerName`, spec.schedulerName)
  ) {
    errs.invalidEach(`${path}.schedulerName`, spec.schedulerName, isDNS1123Subdomain(spec.schedulerName));
  }
  for (const f of ['hostNetwork', 'enableServiceLinks']) {
    if (spec[f] !== undefined && spec[f] !== null) errs.isBoolean(`${path}.${f}`, spec[f]);
  }
  validateTolerations(errs, `${path}.tolerations`, spec.tolerations);
  validateAffinity(errs, `${path}.affinity`, spec.affinity);
}

/**
 * A pod template inside a Deployment/ReplicaSet: labels, annotations, pod spec; only
 * `restartPolicy: Always`; no `activeDeadlineSeconds` (kk-val `ValidatePodTemplateSpecForReplicaSet`).
 */
export function validatePodTemplateForController(errs: FieldErrors, path: string, template: unknown): void {
  if (template === undefined || template === null) {
    errs.required(path);
    return;
  }
  if (!errs.isObject(path, template)) return;
  const meta = template.metadata;
  if (meta !== undefined && meta !== null && errs.isObject(`${path}.metadata`, meta)) {
    validateLabels(errs, `${path}.metadata.labels`, meta.labels);
    validateAnnotations(errs, `${path}.metadata.annotations`, meta.annotations);
  }
  validatePodSpec(errs, `${path}.spec`, template.spec);
  const spec = template.spec as Record<string, unknown> | undefined;
  if (spec && typeof spec === 'object') {
    if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
      errs.notSupported(`${path}.spec.restartPolicy`, spec.restartPolicy, ['Always']);
    }
    if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
      errs.forbidden(`${path}.spec.activeDeadlineSeconds`, 'activeDeadlineSeconds in ReplicaSet is not Supported');
    }
  }
}

export function validatePod(
  errs: FieldErrors,
  pod: Record<string, unknown>,
  validateName: (n: string) => string[],
): void {
  validateObjectMeta(errs, pod.metadata, { namespaced: true, validateName });
  validatePodSpec(errs, 'spec', pod.spec);
}

const POD_UPDATABLE_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
].join(',');

type Json = Record<string, unknown>;

function validateOnlyAddedTolerations(errs: FieldErrors, path: string, next: unknown, prev: unknown): void {
  const newList = Array.isArray(next) ? (next as Json[]) : [];
  const oldList = Array.isArray(prev) ? (prev as Json[]) : [];
  for (const old of oldList) {
    const found = newList.some(
      (t) => canonicalJson({ ...old, tolerationSeconds: t.tolerationSeconds }) === canonicalJson(t),
    );
    if (!found) {
      errs.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds');
      return;
    }
  }
}

/** ValidatePodUpdate: the spec is immutable except images, activeDeadlineSeconds and added tolerations. */
export function validatePodUpdate(errs: FieldErrors, pod: Json, old: Json): void {
  const spec = pod.spec as Json | undefined;
  const oldSpec = old.spec as Json | undefined;
  if (!spec || typeof spec !== 'object' || !oldSpec || typeof oldSpec !== 'object') return;
  const next = spec.activeDeadlineSeconds as number | undefined;
  const prev = oldSpec.activeDeadlineSeconds as number | undefined;
  if (next !== undefined && next !== null) {
    if (prev !== undefined && prev !== null && prev < next) {
      errs.invalid('spec.activeDeadlineSeconds', next, 'must be less than or equal to previous value');
    }
  } else if (prev !== undefined && prev !== null) {
    errs.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value');
  }
  validateOnlyAddedTolerations(errs, 'spec.tolerations', spec.tolerations, oldSpec.tolerations);

  const munged: Json = structuredClone(spec);
  for (const list of ['containers', 'initContainers']) {
    const a = munged[list];
    const b = oldSpec[list];
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((c, i) => {
        if (c && typeof c === 'object' && b[i] && typeof b[i] === 'object') (c as Json).image = (b[i] as Json).image;
      });
    }
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.tolerations = oldSpec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  if (canonicalJson(munged) !== canonicalJson(oldSpec)) {
    const changed = Object.keys({ ...munged, ...oldSpec })
      .filter((k) => canonicalJson(munged[k]) !== canonicalJson(oldSpec[k]))
      .sort()
      .map((k) => `spec.${k}`);
    errs.forbidden(
      'spec',
      `pod updates may not change fields other than ${POD_UPDATABLE_FIELDS}\n(changed: ${changed.join(', ')})`,
    );
  }
}
