import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';

/**
 * Makes ClusterIP addresses work for pods on this node (docs/services.md): a nat chain of this
 * node's own, jumped to from PREROUTING, REDIRECTs `clusterIP:port` to the local port where the
 * ServiceProxy serves that Service (REDIRECT delivers to the address of the interface the packet
 * came in on — the runtime bridge's gateway — so no pod needs to know the agent's address).
 * The chain is rebuilt from scratch on every change; removed on close.
 */
export interface ClusterPort {
  clusterIP: string;
  port: number;
  localPort: number;
}

export class ClusterIpRules {
  readonly #chain: string;
  #installed = false;
  #lastApplied = '';
  #queue: Promise<void> = Promise.resolve();

  constructor(nodeName: string) {
    // iptables chain names are at most 28 characters.
    this.#chain = `PEAPOD-SVC-${createHash('sha256').update(nodeName).digest('hex').slice(0, 12).toUpperCase()}`;
  }

  get chain(): string {
    return this.#chain;
  }

  /** Replaces the chain's rules with one REDIRECT per ClusterIP port. Serialised. */
  apply(ports: readonly ClusterPort[]): Promise<void> {
    const desired = [...ports].sort((a, b) => (a.clusterIP + a.port < b.clusterIP + b.port ? -1 : 1));
    const key = JSON.stringify(desired);
    this.#queue = this.#queue.then(async () => {
      if (key === this.#lastApplied) return;
      await this.#ensureChain();
      await iptables('-F', this.#chain);
      for (const p of desired) {
        await iptables(
          '-A',
          this.#chain,
          '-d',
          `${p.clusterIP}/32`,
          '-p',
          'tcp',
          '--dport',
          String(p.port),
          '-j',
          'REDIRECT',
          '--to-ports',
          String(p.localPort),
        );
      }
      this.#lastApplied = key;
    });
    return this.#queue;
  }

  /** Removes the jump and the chain. */
  close(): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      if (!this.#installed) return;
      await removeChain(this.#chain);
      this.#installed = false;
      this.#lastApplied = '';
    });
    return this.#queue;
  }

  /** Removes a node's chain left behind by an agent that was killed (SIGKILL, power loss). */
  static async removeLeftovers(nodeName: string): Promise<void> {
    await removeChain(new ClusterIpRules(nodeName).chain);
  }

  async #ensureChain(): Promise<void> {
    if (this.#installed) return;
    await iptables('-N', this.#chain).catch(() => undefined); // exists already after a crash
    const present = await iptables('-C', 'PREROUTING', '-j', this.#chain).then(
      () => true,
      () => false,
    );
    if (!present) await iptables('-I', 'PREROUTING', '1', '-j', this.#chain);
    this.#installed = true;
  }
}

async function removeChain(chain: string): Promise<void> {
  await iptables('-D', 'PREROUTING', '-j', chain).catch(() => undefined);
  await iptables('-F', chain).catch(() => undefined);
  await iptables('-X', chain).catch(() => undefined);
}

/** Runs `iptables -t nat …`; rejects on a non-zero exit (as `-C` does for a missing rule). */
function iptables(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('iptables', ['-w', '5', '-t', 'nat', ...args], (error) => (error ? reject(error) : resolve()));
  });
}
