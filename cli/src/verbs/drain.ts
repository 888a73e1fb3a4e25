/**
 * `peapod drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force] [--grace-period]
 * [--timeout] [--disable-eviction]`: cordon, then evict every pod through pods/eviction and wait.
 */
import { bool, flag, GLOBAL_FLAGS, intFlag, mergeSpecs, parseArgs, parseDuration } from '../args.js';
import { type Client, StatusError } from '../client.js';
import { CliError, ExitError } from '../errors.js';
import type { PodLike } from '../pods.js';
import { resourcePath, resourceType } from '../resources.js';
import { connect } from '../session.js';
import { waitForDeletion } from '../wait.js';
import { setSchedulable } from './cordon.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { 'grace-period': '', timeout: '', selector: 'l', 'pod-selector': '' },
  bools: {
    'ignore-daemonsets': '',
    'delete-emptydir-data': '',
    'delete-local-data': '',
    force: '',
    'disable-eviction': '',
  },
});

export interface DrainOptions {
  ignoreDaemonsets: boolean;
  deleteEmptyDir: boolean;
  force: boolean;
}

export interface DrainPlan {
  evict: PodLike[];
  warnings: string[];
  errors: string[];
}

const ref = (p: PodLike) => `${p.metadata.namespace}/${p.metadata.name}`;

/**
 * kubectl's drain filters (pkg/drain/filters.go) over the node's pods. Errors read
 * `cannot delete <filter message>: <pods>`, and the filter messages themselves start with
 * "cannot delete", so kubectl prints the words twice; we print exactly what kubectl prints.
 */
export function planDrain(pods: PodLike[], o: DrainOptions): DrainPlan {
  const daemon: PodLike[] = [];
  const unreplicated: PodLike[] = [];
  const local: PodLike[] = [];
  const evict: PodLike[] = [];
  for (const p of pods) {
    if (p.metadata.annotations?.['kubernetes.io/config.mirror']) continue;
    const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    const controller = p.metadata.ownerReferences?.find((r) => r.controller);
    if (controller?.kind === 'DaemonSet' && !finished) {
      daemon.push(p);
      continue;
    }
    if (!controller && !finished) unreplicated.push(p);
    if ((p.spec.volumes ?? []).some((v) => v.emptyDir) && !finished) local.push(p);
    evict.push(p);
  }
  const warnings: string[] = [];
  const errors: string[] = [];
  if (daemon.length) {
    if (o.ignoreDaemonsets) warnings.push(`ignoring DaemonSet-managed Pods: ${daemon.map(ref).join(', ')}`);
    else
      errors.push(
        `cannot delete cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemon.map(ref).join(', ')}`,
      );
  }
  if (unreplicated.length) {
    if (o.force) warnings.push(`deleting Pods that declare no controller: ${unreplicated.map(ref).join(', ')}`);
    else
      errors.push(
        `cannot delete cannot delete Pods that declare no controller (use --force to override): ${unreplicated.map(ref).join(', ')}`,
      );
  }
  if (local.length) {
    if (o.deleteEmptyDir) warnings.push(`deleting Pods with local storage: ${local.map(ref).join(', ')}`);
    else
      errors.push(
        `cannot delete cannot delete Pods with local storage (use --delete-emptydir-data to override): ${local.map(ref).join(', ')}`,
      );
  }
  return { evict, warnings, errors };
}

async function evictOne(
  client: Client,
  p: PodLike,
  grace: number | undefined,
  disableEviction: boolean,
): Promise<void> {
  const pods = resourceType('pods');
  const ns = p.metadata.namespace!;
  const deleteOptions = grace !== undefined && grace >= 0 ? { gracePeriodSeconds: grace } : undefined;
  if (!disableEviction) {
    for (;;) {
      try {
        await client.request('POST', resourcePath(pods, ns, p.metadata.name, 'eviction'), {
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: p.metadata.name, namespace: ns },
            deleteOptions,
          },
        });
        return;
      } catch (e) {
        if (e instanceof StatusError && e.httpCode === 429) {
          process.stderr.write(
            `error when evicting pods/"${p.metadata.name}" -n "${ns}" (will retry after 5s): ${e.message}\n`,
          );
          await new Promise((r) => setTimeout(r, 5000));
          continue;
        }
        if (e instanceof StatusError && e.httpCode === 404 && e.status.details?.kind === 'pods') return;
        if (e instanceof StatusError && (e.httpCode === 404 || e.httpCode === 405)) break; // no eviction API: delete
        throw e;
      }
    }
  }
  try {
    await client.request('DELETE', resourcePath(pods, ns, p.metadata.name), { body: { ...(deleteOptions ?? {}) } });
  } catch (e) {
    if (!(e instanceof StatusError && e.httpCode === 404)) throw e;
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const names = args.positionals.map((p) => p.replace(/^(nodes?|no)\//, ''));
  if (names.length !== 1) throw new CliError('USAGE: peapod drain NODE [flags]');
  const node = names[0];
  const session = await connect(args);
  const { client } = session;
  process.stdout.write(`node/${node} ${await setSchedulable(client, node, true)}\n`);
  const pods = await client.get<{ items: PodLike[] }>(resourcePath(resourceType('pods')), {
    fieldSelector: `spec.nodeName=${node}`,
    labelSelector: flag(args, 'pod-selector'),
  });
  const plan = planDrain(pods.items, {
    ignoreDaemonsets: bool(args, 'ignore-daemonsets'),
    deleteEmptyDir: bool(args, 'delete-emptydir-data') || bool(args, 'delete-local-data'),
    force: bool(args, 'force'),
  });
  if (plan.errors.length) {
    process.stderr.write(
      `error: unable to drain node "${node}" due to error: ${plan.errors.length > 1 ? `[${plan.errors.join(', ')}]` : plan.errors[0]}, continuing command...\nThere are pending nodes to be drained:\n ${node}\n${plan.errors.join('\n')}\n`,
    );
    throw new ExitError(1);
  }
  for (const w of plan.warnings) process.stderr.write(`Warning: ${w}\n`);
  const grace = intFlag(args, 'grace-period');
  const timeout = flag(args, 'timeout');
  const disableEviction = bool(args, 'disable-eviction');
  const work = Promise.all(
    plan.evict.map(async (p) => {
      process.stdout.write(`evicting pod ${ref(p)}\n`);
      await evictOne(client, p, grace, disableEviction);
      await waitForDeletion(client, resourceType('pods'), p.metadata.namespace, p.metadata.name, p.metadata.uid);
      process.stdout.write(`pod/${p.metadata.name} evicted\n`);
    }),
  );
  const ms = timeout && timeout !== '0' && timeout !== '0s' ? parseDuration(timeout) : 0;
  if (ms > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      work,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new CliError(
                `unable to drain node "${node}" due to error: global timeout reached: ${timeout}, continuing command...`,
              ),
            ),
          ms,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } else await work;
  process.stdout.write(`node/${node} drained\n`);
  return 0;
}
