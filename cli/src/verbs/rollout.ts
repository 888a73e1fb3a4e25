/** `peapod rollout status|history|undo|pause|resume|restart deploy/x` — kubectl 1.32 semantics. */
import { bool, flag, GLOBAL_FLAGS, intFlag, mergeSpecs, parseArgs, parseDuration } from '../args.js';
import type { Client } from '../client.js';
import { CliError } from '../errors.js';
import type { KubeObj } from '../printers/output.js';
import { DESCRIBE_OPTIONS, formatRows } from '../printers/tabwriter.js';
import { kindPrefix, resourcePath, resourceType } from '../resources.js';
import { type DeploymentLike, deploymentStatus, RolloutError } from '../rollout-status.js';
import { connect } from '../session.js';
import { deepEqual } from '../smp.js';
import { objectRefs } from '../target.js';
import { watchObject } from '../wait.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { revision: '', 'to-revision': '', timeout: '' },
  bools: { watch: 'w' },
});

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

interface RsLike extends KubeObj {
  metadata: {
    name: string;
    uid?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { uid: string; controller?: boolean }[];
  };
  spec: {
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  };
}

/** The Deployment's ReplicaSets by revision (controller ownerRef = the deployment's uid). */
export async function revisionsOf(client: Client, ns: string, d: DeploymentLike): Promise<Map<number, RsLike>> {
  const sel = Object.entries(d.spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await client.get<{ items: RsLike[] }>(resourcePath(resourceType('replicasets'), ns), {
    labelSelector: sel,
  });
  const out = new Map<number, RsLike>();
  for (const rs of list.items) {
    if (!rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid)) continue;
    const rev = Number(rs.metadata.annotations?.[REVISION] ?? 'NaN');
    if (Number.isFinite(rev)) out.set(rev, rs);
  }
  return out;
}

/** A pod template without the controller-added `pod-template-hash` label, for comparisons and undo. */
export function templateWithoutHash(tpl: RsLike['spec']['template']): RsLike['spec']['template'] {
  const copy = structuredClone(tpl);
  if (copy.metadata?.labels) {
    delete copy.metadata.labels['pod-template-hash'];
  }
  return copy;
}

export function historyTable(revs: Map<number, RsLike>): string {
  const rows = [['REVISION', 'CHANGE-CAUSE']];
  for (const r of [...revs.keys()].sort((a, b) => a - b)) {
    rows.push([String(r), revs.get(r)!.metadata.annotations?.[CHANGE_CAUSE] || '<none>']);
  }
  return formatRows(rows, DESCRIBE_OPTIONS);
}

/** Follows a deployment rollout, printing kubectl's status messages, until done (or `timeoutMs`). */
export async function followRollout(
  client: Client,
  ns: string,
  name: string,
  watch: boolean,
  timeoutMs: number,
): Promise<number> {
  const t = resourceType('deployments');
  let last = '';
  const check = (obj: KubeObj): boolean => {
    const [msg, done] = deploymentStatus(obj as unknown as DeploymentLike);
    if (msg !== last) {
      process.stdout.write(`${msg}\n`);
      last = msg;
    }
    return done || !watch;
  };
  const work = watchObject(client, t, ns, name, check);
  if (timeoutMs <= 0) {
    await work;
    return 0;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError('timed out waiting for the condition')), timeoutMs);
  });
  try {
    await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const subs = ['status', 'history', 'undo', 'pause', 'resume', 'restart'];
  if (!sub || !subs.includes(sub))
    throw new CliError(`unknown command "${sub ?? ''}" for "peapod rollout" (use one of: ${subs.join(', ')})`);
  const args = parseArgs(rest, SPEC);
  const session = await connect(args);
  const { client } = session;
  for (const ref of objectRefs(args.positionals, session.namespace)) {
    if (ref.t.plural !== 'deployments') throw new CliError(`no rollout support for ${ref.t.plural}; only deployments`);
    const ns = ref.ns!;
    const label = `${kindPrefix(ref.t)}/${ref.name}`;
    switch (sub) {
      case 'status': {
        const timeout = flag(args, 'timeout');
        try {
          await followRollout(client, ns, ref.name, bool(args, 'watch', true), timeout ? parseDuration(timeout) : 0);
        } catch (e) {
          if (e instanceof RolloutError) throw new CliError(e.message);
          throw e;
        }
        break;
      }
      case 'history': {
        const d = await client.get<DeploymentLike>(ref.path);
        const revs = await revisionsOf(client, ns, d);
        const revision = intFlag(args, 'revision') ?? 0;
        if (revision > 0) {
          const rs = revs.get(revision);
          if (!rs) throw new CliError(`unable to find the specified revision`);
          const { describeTemplate } = await import('../describe/template.js');
          process.stdout.write(
            `${label} with revision #${revision}\n${describeTemplate(rs.spec.template as Parameters<typeof describeTemplate>[0])}\n`,
          );
        } else if (revs.size === 0) {
          process.stdout.write(`${label} \nNo rollout history found.\n`);
        } else {
          process.stdout.write(`${label} \n${historyTable(revs)}\n`);
        }
        break;
      }
      case 'undo': {
        const d = await client.get<DeploymentLike & { metadata: { annotations?: Record<string, string> } }>(ref.path);
        if (d.spec.paused) {
          throw new CliError(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
          );
        }
        const revs = await revisionsOf(client, ns, d);
        const toRevision = intFlag(args, 'to-revision') ?? 0;
        const sorted = [...revs.keys()].sort((a, b) => a - b);
        let target: number;
        if (toRevision > 0) {
          if (!revs.has(toRevision)) throw new CliError(`unable to find specified revision ${toRevision} in history`);
          target = toRevision;
        } else {
          if (sorted.length < 2) throw new CliError(`no rollout history found for deployment "${ref.name}"`);
          target = sorted[sorted.length - 2];
        }
        const rs = revs.get(target)!;
        const tpl = templateWithoutHash(rs.spec.template);
        if (deepEqual(tpl, d.spec.template)) {
          process.stdout.write(`${label} skipped rollback (current template already matches revision ${target})\n`);
          break;
        }
        const annotations = { ...(d.metadata.annotations ?? {}) };
        const cause = rs.metadata.annotations?.[CHANGE_CAUSE];
        if (cause) annotations[CHANGE_CAUSE] = cause;
        else delete annotations[CHANGE_CAUSE];
        await client.request('PATCH', ref.path, {
          contentType: 'application/json-patch+json',
          body: [
            { op: 'replace', path: '/spec/template', value: tpl },
            { op: d.metadata.annotations ? 'replace' : 'add', path: '/metadata/annotations', value: annotations },
          ],
        });
        process.stdout.write(`${label} rolled back\n`);
        break;
      }
      case 'pause':
      case 'resume': {
        const d = await client.get<DeploymentLike>(ref.path);
        const want = sub === 'pause';
        if (!!d.spec.paused === want) {
          process.stdout.write(`${label} already ${want ? 'paused' : 'resumed'}\n`);
          break;
        }
        await client.request('PATCH', ref.path, {
          contentType: 'application/strategic-merge-patch+json',
          body: { spec: { paused: want ? true : null } },
          query: { fieldManager: 'kubectl-rollout' },
        });
        process.stdout.write(`${label} ${want ? 'paused' : 'resumed'}\n`);
        break;
      }
      case 'restart': {
        const d = await client.get<DeploymentLike>(ref.path);
        if (d.spec.paused) throw new CliError(`can't restart paused deployment (run rollout resume first)`);
        await client.request('PATCH', ref.path, {
          contentType: 'application/strategic-merge-patch+json',
          body: {
            spec: {
              template: {
                metadata: {
                  annotations: {
                    'kubectl.kubernetes.io/restartedAt': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
                  },
                },
              },
            },
          },
          query: { fieldManager: 'kubectl-rollout' },
        });
        process.stdout.write(`${label} restarted\n`);
        break;
      }
    }
  }
  return 0;
}
