/** `peapod delete`: by name, `-f`, `-l`, `--all`; waits until objects are gone (`--wait`, default true). */
import { bool, flag, flagAll, GLOBAL_FLAGS, intFlag, mergeSpecs, parseArgs } from '../args.js';
import { StatusError } from '../client.js';
import { CliError, ExitError, formatStatusError } from '../errors.js';
import type { KubeObj } from '../printers/output.js';
import { kindPrefix, type ResourceType, resourcePath, splitTypeNames } from '../resources.js';
import { connect } from '../session.js';
import { waitForDeletion } from '../wait.js';
import { expandTypes } from './get.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: {
    filename: 'f',
    selector: 'l',
    'grace-period': '',
    cascade: '',
    timeout: '',
    'field-selector': '',
    output: 'o',
  },
  bools: { all: '', force: '', now: '', wait: '', 'ignore-not-found': '', 'all-namespaces': 'A', recursive: 'R' },
  repeatable: ['filename'],
});

interface Item {
  t: ResourceType;
  ns?: string;
  name: string;
  source?: string;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const files = flagAll(args, 'filename');
  const selector = flag(args, 'selector');
  const fieldSelector = flag(args, 'field-selector');
  const all = bool(args, 'all');
  const force = bool(args, 'force');
  let grace = intFlag(args, 'grace-period');
  if (bool(args, 'now')) grace = 1;
  if (force && grace === undefined) grace = 0;
  const cascade = flag(args, 'cascade') ?? 'background';
  const propagationPolicy =
    cascade === 'orphan'
      ? 'Orphan'
      : cascade === 'foreground'
        ? 'Foreground'
        : cascade === 'background' || cascade === 'true'
          ? 'Background'
          : undefined;
  if (!propagationPolicy)
    throw new CliError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan".`);
  const wait = bool(args, 'wait', true);
  const ignoreNotFound = bool(args, 'ignore-not-found') || ((all || !!selector) && !files.length);
  const items: Item[] = [];
  let session: Awaited<ReturnType<typeof connect>>;
  if (files.length) {
    const { readManifests, targetOf } = await import('../manifests.js');
    const manifests = await readManifests(files, bool(args, 'recursive'));
    session = await connect(args);
    for (const m of manifests) {
      const tg = targetOf(m, session.namespace, session.explicitNamespace);
      items.push({ t: tg.t, ns: tg.namespace, name: tg.name, source: m.source });
    }
  } else {
    if (args.positionals.length === 0) {
      throw new CliError(
        `You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'`,
      );
    }
    const groups = splitTypeNames(args.positionals).flatMap((g) =>
      expandTypes(g.type).map((t) => ({ t, names: g.names })),
    );
    session = await connect(args);
    const allNs = bool(args, 'all-namespaces');
    for (const { t, names } of groups) {
      const ns = t.namespaced ? (allNs ? undefined : session.namespace) : undefined;
      if (names.length) {
        if (all || selector) throw new CliError('name cannot be provided when a selector is specified');
        for (const name of names) items.push({ t, ns, name });
        continue;
      }
      if (!all && !selector && !fieldSelector)
        throw new CliError('resource(s) were provided, but no name was specified');
      const list = await session.client.get<{ items?: KubeObj[] }>(resourcePath(t, ns), {
        labelSelector: selector,
        fieldSelector,
      });
      for (const o of list.items ?? []) items.push({ t, ns: o.metadata?.namespace ?? ns, name: o.metadata!.name! });
    }
    if (items.length === 0) {
      process.stderr.write('No resources found\n');
      return 0;
    }
  }
  if (force && grace === 0) {
    process.stderr.write(
      'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n',
    );
  }
  const { client } = session;
  let failed = false;
  const pending: { item: Item; uid?: string }[] = [];
  for (const item of items) {
    const body: Record<string, unknown> = { propagationPolicy };
    if (grace !== undefined) body.gracePeriodSeconds = grace;
    try {
      const res = await client.request<KubeObj>('DELETE', resourcePath(item.t, item.ns, item.name), { body });
      const label = kindPrefix(item.t);
      process.stdout.write(`${label} "${item.name}" ${force && grace === 0 ? 'force deleted' : 'deleted'}\n`);
      const uid = res && res.kind !== 'Status' ? (res.metadata as { uid?: string } | undefined)?.uid : undefined;
      pending.push({ item, uid });
    } catch (e) {
      if (e instanceof StatusError && e.httpCode === 404 && ignoreNotFound) continue;
      if (!(e instanceof StatusError)) throw e;
      process.stderr.write(`${formatStatusError(e, item.source ? `error when deleting "${item.source}": ` : '')}\n`);
      failed = true;
    }
  }
  if (wait && !(force && grace === 0)) {
    for (const { item, uid } of pending) await waitForDeletion(client, item.t, item.ns, item.name, uid);
  }
  if (failed) throw new ExitError(1);
  return 0;
}
