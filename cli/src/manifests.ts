/** Reads `-f` sources (files, folders, `-` for stdin) into objects, with kubectl's namespace rules. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { CliError } from './errors.js';
import type { KubeObj } from './printers/output.js';
import { type ResourceType, resourcePath, typeForKind } from './resources.js';

export interface Manifest {
  obj: KubeObj;
  source: string;
}

const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);

function collectFiles(path: string, recursive: boolean, top: boolean): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`the path "${path}" does not exist`);
  }
  if (!st.isDirectory()) return top || MANIFEST_EXT.has(extname(path)) ? [path] : [];
  if (!top && !recursive) return [];
  return readdirSync(path)
    .sort()
    .flatMap((f) => collectFiles(join(path, f), recursive, false));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function readManifests(paths: string[], recursive = false): Promise<Manifest[]> {
  if (paths.length === 0) throw new CliError('must specify one of -f and -k');
  const { decodeManifests } = await import('@peapod/core/manifests');
  const out: Manifest[] = [];
  for (const p of paths) {
    const files = p === '-' ? ['-'] : collectFiles(p, recursive, true);
    for (const file of files) {
      const text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
      const source = file === '-' ? 'STDIN' : file;
      let objs: KubeObj[];
      try {
        objs = decodeManifests(text, source) as unknown as KubeObj[];
      } catch (e) {
        throw new CliError(`error parsing ${source}: ${(e as Error).message}`);
      }
      for (const obj of objs) out.push({ obj, source });
    }
  }
  if (out.length === 0) throw new CliError('no objects passed to apply');
  return out;
}

export interface Target {
  t: ResourceType;
  name: string;
  namespace?: string;
  path: string;
}

/** Where a manifest goes: its type, name and namespace (object's own, else the session's). */
export function targetOf(m: Manifest, sessionNs: string, explicitNs: boolean): Target {
  const obj = m.obj;
  if (!obj.kind || !obj.apiVersion) {
    throw new CliError(`error validating "${m.source}": error validating data: [apiVersion not set, kind not set]`);
  }
  const t = typeForKind(obj.kind, obj.apiVersion);
  const name = obj.metadata?.name ?? '';
  const objNs = obj.metadata?.namespace;
  if (t.namespaced && explicitNs && objNs && objNs !== sessionNs) {
    throw new CliError(
      `the namespace from the provided object "${objNs}" does not match the namespace "${sessionNs}". You must pass '--namespace=${objNs}' to perform this operation.`,
    );
  }
  const namespace = t.namespaced ? (objNs ?? sessionNs) : undefined;
  return { t, name, namespace, path: resourcePath(t, namespace, name) };
}
