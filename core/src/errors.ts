import type { Status, StatusCause } from './types.js';

/**
 * An error that carries a Kubernetes `Status` body. Thrown by validation, the store and the API
 * layer; the HTTP server writes `status` as the response body with `status.code` as HTTP status.
 * Messages follow apimachinery `pkg/api/errors` byte for byte (k8s-semantics.md §13.4).
 */
export class ApiError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message);
    this.name = 'ApiError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

function failure(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new ApiError(status);
}

/** `group` is '' for the core group; `resource` is the plural (`pods`, `deployments`). */
function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, name: string, group = ''): ApiError {
  return failure(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function alreadyExists(resource: string, name: string, group = ''): ApiError {
  return failure(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function conflict(resource: string, name: string, group = ''): ApiError {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: group || undefined, kind: resource },
  );
}

/** 422 Invalid with field causes; `kind` is the Kind (`Pod`), as apimachinery's NewInvalid. */
export function invalid(kind: string, name: string, causes: StatusCause[], group = ''): ApiError {
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? ''))).join(', ');
  const what = group ? `${kind}.${group}` : kind;
  const message =
    causes.length === 1 ? `${what} "${name}" is invalid: ${list}` : `${what} "${name}" is invalid: [${list}]`;
  return failure(422, 'Invalid', message, { name, group: group || undefined, kind, causes });
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function gone(message: string): ApiError {
  return failure(410, 'Expired', message);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return failure(401, 'Unauthorized', message);
}

export function forbidden(message: string): ApiError {
  return failure(403, 'Forbidden', message);
}

export function methodNotAllowed(
  message = 'the server does not allow this method on the requested resource',
): ApiError {
  return failure(405, 'MethodNotAllowed', message);
}

export function requestEntityTooLarge(message = 'Request entity too large'): ApiError {
  return failure(413, 'RequestEntityTooLarge', message);
}

export function unsupportedMediaType(message: string): ApiError {
  return failure(415, 'UnsupportedMediaType', message);
}

export function internalError(message: string): ApiError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function serviceUnavailable(message: string): ApiError {
  return failure(503, 'ServiceUnavailable', message);
}

export function timeout(message: string): ApiError {
  return failure(504, 'Timeout', message);
}
