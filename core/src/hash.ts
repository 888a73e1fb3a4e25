/**
 * Deterministic hashes: `stableHash` for change detection (container spec hashes) and
 * `podTemplateHash` for Deployment `pod-template-hash` labels (k8s-semantics.md §10.3, §10.5).
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted and `undefined` members dropped, so equal values serialise equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** 16 hex chars of SHA-256 over the canonical JSON: equal for deeply equal values regardless of key order. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/** 32-bit FNV-1a. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Alphabet of apimachinery `rand.SafeEncodeString`: no vowels, no confusable characters. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * The Deployment `pod-template-hash`, shaped as Kubernetes' `ComputeHash`: FNV-32a over the template,
 * then (if given) `collisionCount` as 8 little-endian bytes, rendered in decimal and safe-encoded.
 * Kubernetes hashes a Go-struct dump that cannot be reproduced outside Go; Peapod hashes the
 * canonical JSON (sorted keys) of the template instead, so values differ from a real cluster's but
 * are deterministic, change with any template change and are stable across key order.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}
