import { randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '@peapod/core';

/** apimachinery `util/rand` alphabet: no vowels, no confusable characters (k8s-semantics §1.1). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const RANDOM_LENGTH = 5;
const MAX_NAME_LENGTH = 63;

/** `generateName` → `<base cut to 58><5 random chars>` (apiserver `names.SimpleNameGenerator`). */
export function generateObjectName(base: string): string {
  let suffix = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return base.slice(0, MAX_NAME_LENGTH - RANDOM_LENGTH) + suffix;
}

/** RFC 3339, UTC, seconds precision: `2026-11-27T13:48:35Z`. */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The part of an object whose change bumps `metadata.generation`. */
function desiredState(object: KubeObject): unknown {
  if ('spec' in object && object.spec !== undefined) return object.spec;
  // Kinds without spec (Endpoints, Event): everything outside metadata and status.
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

export function desiredStateChanged(previous: KubeObject, next: KubeObject): boolean {
  return !isDeepStrictEqual(desiredState(previous), desiredState(next));
}

/** A JSON round trip: deep copy that also drops `undefined` members, like the wire would. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
