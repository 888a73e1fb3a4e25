/** Pod spec, containers and pod templates (kk-val `ValidatePodSpec`, `ValidatePodUpdate`). */
import { canonicalJson } from '../hash.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from '../names.js';
import { parseQuantity, QuantityError } from '../quantities.js';
import type { FieldErrors } from './field-errors.js';
import { validateAnnotations, validateLabels, validateObjectMeta } from './meta.js';
import { validateLifecycle, validateProbe } from './probes.js';
import { validateResourceRequirements } from './resources.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
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
const NODE_SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'];

function validateContainerPorts(errs: FieldErrors, path: string, ports: unknown, hostNetwork: boolean): void {
  if (ports === undefined || ports === null || !errs.isArray(path, ports)) return;
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (!errs.isObject(p, port)) return;
    if (port.name !== undefined && port.name !== '' && errs.isString(`${p}.name`, port.name)) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) errs.invalidEach(`${p}.name`, port.name, msgs);
      else if (names.has(port.name)) errs.duplicate(`${p}.name`, port.name);
      else names.add(port.name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) errs.required(`${p}.containerPort`);
    else if (errs.isInteger(`${p}.containerPort`, port.containerPort)) {
      errs.invalidEach(`${p}.containerPort`, port.containerPort, isValidPortNum(port.containerPort));
    }
    if (port.hostPort !== undefined && port.hostPort !== 0 && errs.isInteger(`${p}.hostPort`, port.hostPort)) {
      errs.invalidEach(`${p}.hostPort`, port.hostPort, isValidPortNum(port.hostPort));
      if (hostNetwork && port.hostPort !== port.containerPort) {
        errs.invalid(`${p}.hostPort`, port.hostPort, 'must match `containerPort` when `hostNetwork` is true');
      }
    }
    if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as string)) {
      errs.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS);
    }
  });
}

function validateEnv(errs: FieldErrors, path: string, env: unknown): void {
  if (env === undefined || env === null || !errs.isArray(path, env)) return;
  env.forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (!errs.isObject(p, ev)) return;
    if (ev.name === undefined || ev.name === '') errs.required(`${p}.name`);
    else if (errs.isString(`${p}.name`, ev.name) && !/^[\x20-\x3c\x3e-\x7e]+$/.test(ev.name)) {
      errs.invalid(
        `${p}.name`,
        ev.name,
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      );
    }
    if (ev.value !== undefined && ev.value !== null && typeof ev.value !== 'string') {
      errs.invalid(`${p}.value`, ev.value, 'must be a string');
    }
    if (ev.valueFrom !== undefined && ev.valueFrom !== null) {
      if (typeof ev.value === 'string' && ev.value !== '') {
        errs.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty');
      }
      if (errs.isObject(`${p}.valueFrom`, ev.valueFrom)) {
        const sources = Object.keys(ev.valueFrom).filter(
          (k) => ev.valueFrom && (ev.valueFrom as Record<string, unknown>)[k] != null,
        );
        if (sources.length === 0) {
          errs.invalid(
            `${p}.valueFrom`,
            '',
            'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
          );
        } else if (sources.length > 1) {
          errs.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time');
        }
      }
    }
  });
}

function validateVolumeMounts(errs: FieldErrors, path: string, mounts: unknown, volumes: Set<string>): void {
  if (mounts === undefined || mounts === null || !errs.isArray(path, mounts)) return;
  const paths = new Set<string>();
  mounts.forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!errs.isObject(p, m)) return;
    if (m.name === undefined || m.name === '') errs.required(`${p}.name`);
    else if (!volumes.has(m.name as string)) errs.notFound(`${p}.name`, m.name);
    if (m.mountPath === undefined || m.mountPath === '') errs.required(`${p}.mountPath`);
    else if (errs.isString(`${p}.mountPath`, m.mountPath)) {
      if (paths.has(m.mountPath)) errs.invalid(`${p}.mountPath`, m.mountPath, 'must be unique');
      paths.add(m.mountPath);
    }
  });
}

interface ContainerContext {
  names: Set<string>;
  volumes: Set<string>;
  init: boolean;
  hostNetwork: boolean;
}

function validateContainer(errs: FieldErrors, p: string, c: unknown, ctx: ContainerContext): void {
  if (!errs.isObject(p, c)) return;
  if (c.name === undefined || c.name === '') errs.required(`${p}.name`);
  else if (errs.isString(`${p}.name`, c.name)) {
    errs.invalidEach(`${p}.name`, c.name, isDNS1123Label(c.name));
    if (ctx.names.has(c.name)) errs.duplicate(`${p}.name`, c.name);
    ctx.names.add(c.name);
  }
  if (c.image === undefined || c.image === null || c.image === '') errs.required(`${p}.image`);
  else if (errs.isString(`${p}.image`, c.image) && c.image.trim() !== c.image) {
    errs.invalid(`${p}.image`, c.image, 'must not have leading or trailing whitespace');
  }
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy as string)) {
    errs.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES);
  }
  for (const f of ['command', 'args']) {
    const v = c[f];
    if (v !== undefined && v !== null && errs.isArray(`${p}.${f}`, v)) {
      v.forEach((s, i) => {
        errs.isString(`${p}.${f}[${i}]`, s);
      });
    }
  }
  if (
    c.terminationMessagePolicy !== undefined &&
    !['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy as string)
  ) {
    errs.notSupported(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']);
  }
  validateContainerPorts(errs, `${p}.ports`, c.ports, ctx.hostNetwork);
  validateEnv(errs, `${p}.env`, c.env);
  validateVolumeMounts(errs, `${p}.volumeMounts`, c.volumeMounts, ctx.volumes);
  validateResourceRequirements(errs, `${p}.resources`, c.resources);
  validateLifecycle(errs, `${p}.lifecycle`, c.lifecycle);
  const sidecar = ctx.init && c.restartPolicy === 'Always';
  if (ctx.init && c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
    errs.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']);
  }
  if (!ctx.init && c.restartPolicy !== undefined) {
    errs.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers');
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (ctx.init && !sidecar && c[probe] !== undefined && c[probe] !== null) {
      errs.forbidden(`${p}.${probe}`, 'may not be set for init containers without restartPolicy=Always');
      continue;
    }
    validateProbe(errs, `${p}.${probe}`, c[probe], probe !== 'readinessProbe');
  }
}

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

function validateAffinity(errs: FieldErrors, path: string, affinity: unknown): void {
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
