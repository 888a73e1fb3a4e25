/** `peapod cordon N` / `peapod uncordon N`. */
import { GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import type { Client } from '../client.js';
import { CliError } from '../errors.js';
import { resourcePath, resourceType } from '../resources.js';
import { connect } from '../session.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, { values: { selector: 'l' }, bools: {} });

/** Sets `spec.unschedulable`; returns the word kubectl prints (`cordoned`, `already cordoned`, …). */
export async function setSchedulable(client: Client, name: string, unschedulable: boolean): Promise<string> {
  const path = resourcePath(resourceType('nodes'), undefined, name);
  const node = await client.get<{ spec?: { unschedulable?: boolean } }>(path);
  const word = unschedulable ? 'cordoned' : 'uncordoned';
  if (!!node.spec?.unschedulable === unschedulable) return `already ${word}`;
  await client.request('PATCH', path, {
    body: { spec: { unschedulable: unschedulable ? true : null } },
    contentType: 'application/strategic-merge-patch+json',
  });
  return word;
}

async function runSchedulable(argv: string[], unschedulable: boolean): Promise<number> {
  const args = parseArgs(argv, SPEC);
  if (args.positionals.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
  const session = await connect(args);
  for (const name of args.positionals.map((p) => p.replace(/^(nodes?|no)\//, ''))) {
    process.stdout.write(`node/${name} ${await setSchedulable(session.client, name, unschedulable)}\n`);
  }
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runSchedulable(argv, true);
}

export function runUncordon(argv: string[]): Promise<number> {
  return runSchedulable(argv, false);
}
