/**
 * Errors raised by runtime drivers. `reason` is machine-readable so the pod workers can map it to
 * Kubernetes container reasons (e.g. `ImagePull` → ErrImagePull); `message` is the runtime's own
 * text (what Kubernetes shows in `status.containerStatuses[].state.waiting.message`).
 */
export type RuntimeErrorReason =
  | 'NotFound'
  | 'ImagePull'
  | 'ImageNotFound'
  | 'NameConflict'
  | 'PortInUse'
  | 'NotRunning'
  | 'Timeout'
  | 'Unavailable'
  | 'Runtime';

export class RuntimeError extends Error {
  readonly reason: RuntimeErrorReason;

  constructor(reason: RuntimeErrorReason, message: string) {
    super(message);
    this.name = 'RuntimeError';
    this.reason = reason;
  }
}

export function isRuntimeError(e: unknown, reason?: RuntimeErrorReason): e is RuntimeError {
  return e instanceof RuntimeError && (reason === undefined || e.reason === reason);
}

/** Classifies a runtime error text (podman CLI stderr or a Docker/libpod API message). */
export function classifyRuntimeMessage(message: string): RuntimeErrorReason {
  const m = message.toLowerCase();
  if (m.includes('no such container') || m.includes('no such object') || m.includes('no such pod')) return 'NotFound';
  if (m.includes('image not known') || m.includes('no such image')) return 'ImageNotFound';
  if (m.includes('already in use') && !m.includes('address already in use')) return 'NameConflict';
  if (m.includes('address already in use') || m.includes('cannot listen on the')) return 'PortInUse';
  if (m.includes('container state improper') || m.includes('is not running')) return 'NotRunning';
  return 'Runtime';
}
