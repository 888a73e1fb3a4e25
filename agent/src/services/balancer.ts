import type { ServiceEndpoint, ServiceEntry } from '@peapod/core';

/**
 * Picks the endpoint for a new connection: round-robin over ready endpoints only (none ready →
 * undefined, and the proxy refuses the connection), with ClientIP session affinity when the
 * Service asks for it. Pure apart from its own round-robin cursor and affinity table; `now` is
 * injected.
 */
export class Balancer {
  #cursor = 0;
  readonly #affinity = new Map<string, { endpoint: string; expires: number }>();

  pick(entry: ServiceEntry, clientIP: string, now: number): ServiceEndpoint | undefined {
    const ready = entry.endpoints.filter((e) => e.ready);
    if (ready.length === 0) return undefined;
    if (entry.sessionAffinity === 'ClientIP') {
      const sticky = this.#affinity.get(clientIP);
      if (sticky && sticky.expires > now) {
        const match = ready.find((e) => endpointId(e) === sticky.endpoint);
        if (match) {
          sticky.expires = now + entry.affinityTimeoutSeconds * 1000;
          return match;
        }
      }
    }
    const chosen = ready[this.#cursor++ % ready.length];
    if (entry.sessionAffinity === 'ClientIP') {
      this.#affinity.set(clientIP, {
        endpoint: endpointId(chosen),
        expires: now + entry.affinityTimeoutSeconds * 1000,
      });
      if (this.#affinity.size > 10_000) this.#expire(now);
    }
    return chosen;
  }

  #expire(now: number): void {
    for (const [ip, a] of this.#affinity) if (a.expires <= now) this.#affinity.delete(ip);
  }
}

export function endpointId(e: ServiceEndpoint): string {
  return `${e.ip}:${e.port}`;
}
