/**
 * The node's runtime health check (the `RuntimeReady` condition and `containerRuntimeVersion`),
 * asked on every lease tick. A real check (`podman version`: a process, 40–200 ms of CPU) runs at
 * most every `maxAgeMs` while the runtime looks alive: the last check succeeded and the driver's
 * long-lived event stream has not ended since. A failed check is never reused (the next tick checks
 * again, so recovery shows on the next tick), and an event stream that ended (the runtime went
 * away, or its stream broke) makes the next tick check for real.
 */
export const RUNTIME_CHECK_MAX_AGE_MS = 60_000;

export interface RuntimeHealthOptions {
  /** The real check: the runtime's version, or a rejection when it is down. */
  check: () => Promise<string>;
  /** A counter that moves when the runtime's event stream ends on its own (optional). */
  streamEnds?: () => number;
  maxAgeMs?: number;
  now?: () => number;
}

export class RuntimeHealth {
  private last?: { version: string; at: number; streamEnds: number };
  private inFlight?: Promise<string>;

  constructor(private readonly options: RuntimeHealthOptions) {}

  /** The runtime's version, from the last good check while it is fresh and the stream lives. */
  version(): Promise<string> {
    const { last, options } = this;
    const now = (options.now ?? Date.now)();
    if (
      last &&
      now - last.at < (options.maxAgeMs ?? RUNTIME_CHECK_MAX_AGE_MS) &&
      last.streamEnds === (options.streamEnds?.() ?? 0)
    )
      return Promise.resolve(last.version);
    this.inFlight ??= this.checkNow().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async checkNow(): Promise<string> {
    const { options } = this;
    const streamEnds = options.streamEnds?.() ?? 0;
    try {
      const version = await options.check();
      this.last = { version, at: (options.now ?? Date.now)(), streamEnds };
      return version;
    } catch (err) {
      this.last = undefined;
      throw err;
    }
  }
}
