/** Probe and lifecycle handler validation (kk-val `validateProbe`, `validateHandler`). */
import { isValidPortName, isValidPortNum } from '../names.js';
import type { FieldErrors } from './field-errors.js';

/** A port given as number (1–65535) or IANA_SVC_NAME. */
export function validatePortNumOrName(errs: FieldErrors, path: string, port: unknown): void {
  if (typeof port === 'number') errs.invalidEach(path, port, isValidPortNum(port));
  else if (typeof port === 'string') errs.invalidEach(path, port, isValidPortName(port));
  else if (port === undefined || port === null) errs.required(path);
  else errs.invalid(path, port, 'must be an integer or a string');
}

const HANDLER_KINDS = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] as const;

function validateHandlerBody(errs: FieldErrors, path: string, kind: string, h: unknown): void {
  if (!errs.isObject(path, h)) return;
  switch (kind) {
    case 'exec':
      if (!Array.isArray(h.command) || h.command.length === 0) errs.required(`${path}.command`);
      break;
    case 'httpGet':
      validatePortNumOrName(errs, `${path}.port`, h.port);
      if (h.path !== undefined && h.path === '') errs.required(`${path}.path`);
      if (h.scheme !== undefined && h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') {
        errs.notSupported(`${path}.scheme`, h.scheme, ['HTTP', 'HTTPS']);
      }
      if (h.httpHeaders !== undefined && errs.isArray(`${path}.httpHeaders`, h.httpHeaders)) {
        h.httpHeaders.forEach((hdr, i) => {
          const p = `${path}.httpHeaders[${i}]`;
          if (!errs.isObject(p, hdr)) return;
          if (typeof hdr.name !== 'string' || !/^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/.test(hdr.name)) {
            errs.invalid(
              `${p}.name`,
              hdr.name ?? '',
              "a valid HTTP header must consist of alphanumeric characters or '-'",
            );
          }
        });
      }
      break;
    case 'tcpSocket':
      validatePortNumOrName(errs, `${path}.port`, h.port);
      break;
    case 'grpc':
      if (typeof h.port !== 'number') errs.invalid(`${path}.port`, h.port ?? null, 'must be an integer');
      else errs.invalidEach(`${path}.port`, h.port, isValidPortNum(h.port));
      break;
    case 'sleep':
      errs.nonNegative(`${path}.seconds`, h.seconds);
      break;
  }
}

/** Exactly one handler: none → Required `must specify a handler type`; extras → Forbidden. */
export function validateHandler(
  errs: FieldErrors,
  path: string,
  handler: Record<string, unknown>,
  allowed: readonly string[],
): void {
  let count = 0;
  for (const kind of HANDLER_KINDS) {
    if (handler[kind] === undefined || handler[kind] === null) continue;
    if (!allowed.includes(kind)) {
      errs.forbidden(`${path}.${kind}`, 'may not be specified for this handler');
      continue;
    }
    if (count > 0) {
      errs.forbidden(`${path}.${kind}`, 'may not specify more than 1 handler type');
      continue;
    }
    count++;
    validateHandlerBody(errs, `${path}.${kind}`, kind, handler[kind]);
  }
  if (count === 0) errs.required(path, 'must specify a handler type');
}

export function validateProbe(errs: FieldErrors, path: string, probe: unknown, mustSucceedOnce: boolean): void {
  if (probe === undefined || probe === null || !errs.isObject(path, probe)) return;
  validateHandler(errs, path, probe, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.nonNegative(`${path}.${f}`, probe[f]);
  }
  const grace = probe.terminationGracePeriodSeconds;
  if (
    grace !== undefined &&
    grace !== null &&
    errs.isInteger(`${path}.terminationGracePeriodSeconds`, grace) &&
    grace <= 0
  ) {
    errs.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than 0');
  }
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1');
  }
}

export function validateLifecycle(errs: FieldErrors, path: string, lifecycle: unknown): void {
  if (lifecycle === undefined || lifecycle === null || !errs.isObject(path, lifecycle)) return;
  for (const hook of ['postStart', 'preStop']) {
    const h = lifecycle[hook];
    if (h === undefined || h === null || !errs.isObject(`${path}.${hook}`, h)) continue;
    validateHandler(errs, `${path}.${hook}`, h, ['exec', 'httpGet', 'tcpSocket', 'sleep']);
  }
}
