/** `peapod describe TYPE [NAME_PREFIX…]` / `TYPE/NAME`, with kubectl's layout and Events. */
import { bool, flag, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { StatusError } from '../client.js';
import { CliError, ExitError, formatStatusError } from '../errors.js';
import type { KubeObj } from '../printers/output.js';
import { resourcePath, splitTypeNames } from '../resources.js';
import { connect } from '../session.js';
import { expandTypes, noResourcesMessage } from './get.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { selector: 'l' },
  bools: { 'all-namespaces': 'A', 'show-events': '' },
});

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  if (args.positionals.length === 0)
    throw new CliError(
      'You must specify the type of resource to describe. Use "peapod api-resources" for a complete list of supported resources.',
    );
  const groups = splitTypeNames(args.positionals).flatMap((g) =>
    expandTypes(g.type).map((t) => ({ t, names: g.names })),
  );
  const session = await connect(args);
  const { client } = session;
  const { describeObject } = await import('../describe/kinds.js');
  const allNs = bool(args, 'all-namespaces');
  const outputs: string[] = [];
  let failed = false;
  for (const { t, names } of groups) {
    const ns = t.namespaced ? (allNs ? undefined : session.namespace) : undefined;
    const objects: KubeObj[] = [];
    if (names.length === 0) {
      const list = await client.get<{ items: KubeObj[] }>(resourcePath(t, ns), {
        labelSelector: flag(args, 'selector'),
        limit: 500,
      });
      objects.push(...list.items);
      if (objects.length === 0) process.stderr.write(`${noResourcesMessage(t, ns)}\n`);
    }
    for (const name of names) {
      try {
        objects.push(await client.get<KubeObj>(resourcePath(t, ns ?? session.namespace, name)));
      } catch (e) {
        if (!(e instanceof StatusError && e.httpCode === 404)) throw e;
        // kubectl falls back to a prefix match over the list.
        const list = await client.get<{ items: KubeObj[] }>(resourcePath(t, ns), { limit: 500 });
        const matches = list.items.filter((o) => o.metadata?.name?.startsWith(name));
        if (matches.length === 0) {
          process.stderr.write(`${formatStatusError(e)}\n`);
          failed = true;
        }
        objects.push(...matches);
      }
    }
    for (const obj of objects) outputs.push(await describeObject(client, t.kind, obj));
  }
  process.stdout.write(outputs.join('\n\n'));
  if (failed) throw new ExitError(1);
  return 0;
}
