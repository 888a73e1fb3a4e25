import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatJoinToken, nodeUsername, parseJoinToken } from '@peapod/core';

/**
 * Join token and per-node MQTT credentials of the embedded broker, kept in the hub's data dir
 * (`join-token`, `mqtt/credentials.json`, both mode 0600). Node secrets are random 256-bit values,
 * so a salted HMAC-SHA256 is enough to store them (no password-stretching needed).
 */
export interface NodeCredential {
  username: string;
  password: string;
}

interface StoredSecret {
  salt: string;
  hash: string;
  createdAt: string;
}

interface CredentialFile {
  nodes: Record<string, StoredSecret>;
}

function digest(salt: string, secret: string): Buffer {
  return createHmac('sha256', salt).update(secret).digest();
}

function secretMatches(stored: StoredSecret, secret: string): boolean {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = digest(stored.salt, secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function writePrivate(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export class CredentialStore {
  /** The secret part of the join token (what a joining client sends as its password). */
  readonly joinToken: string;
  private readonly file: string;
  private readonly tokenPath: string;
  private data: CredentialFile;

  constructor(dataDir: string, joinToken?: string) {
    mkdirSync(join(dataDir, 'mqtt'), { recursive: true, mode: 0o700 });
    this.file = join(dataDir, 'mqtt', 'credentials.json');
    this.data = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as CredentialFile) : { nodes: {} };
    this.tokenPath = join(dataDir, 'join-token');
    if (joinToken) this.joinToken = parseJoinToken(joinToken).secret;
    else if (existsSync(this.tokenPath)) this.joinToken = parseJoinToken(readFileSync(this.tokenPath, 'utf8')).secret;
    else this.joinToken = randomBytes(24).toString('base64url');
  }

  /** Writes the full token (with the CA hash) where operators and scripts find it: `<dataDir>/join-token`. */
  publishToken(caHash: string): string {
    const token = formatJoinToken(caHash, this.joinToken);
    writePrivate(this.tokenPath, `${token}\n`);
    return token;
  }

  verifyJoinToken(token: string): boolean {
    const a = Buffer.from(token);
    const b = Buffer.from(this.joinToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  hasNode(nodeName: string): boolean {
    return nodeName in this.data.nodes;
  }

  /** Issues a new credential for a node name; the plain secret is returned once and never stored. */
  issue(nodeName: string, now: Date = new Date()): NodeCredential {
    const password = randomBytes(32).toString('base64url');
    const salt = randomBytes(16).toString('base64url');
    this.data.nodes[nodeName] = {
      salt,
      hash: digest(salt, password).toString('base64'),
      createdAt: now.toISOString(),
    };
    this.save();
    return { username: nodeUsername(nodeName), password };
  }

  verifyNode(nodeName: string, password: string): boolean {
    const stored = this.data.nodes[nodeName];
    return stored !== undefined && secretMatches(stored, password);
  }

  revoke(nodeName: string): void {
    if (!(nodeName in this.data.nodes)) return;
    delete this.data.nodes[nodeName];
    this.save();
  }

  private save(): void {
    writePrivate(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}
