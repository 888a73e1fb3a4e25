/** Container validation: name, image, ports, env, mounts, resources, probes (kk-val `validateContainers`). */
import { isDNS1123Label, isValidPortName, isValidPortNum } from '../names.js';
import type { FieldErrors } from './field-errors.js';
import { validateLifecycle, validateProbe } from './probes.js';
import { validateResourceRequirements } from './resources.js';

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

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

export interface ContainerContext {
  names: Set<string>;
  volumes: Set<string>;
  init: boolean;
  hostNetwork: boolean;
}

export function validateContainer(errs: FieldErrors, p: string, c: unknown, ctx: ContainerContext): void {
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
