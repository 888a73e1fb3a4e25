/** `peapod taint nodes N k=v:Effect | k:Effect- | k-` — sends the whole resulting taint list. */
import { bool, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';
import { connect } from '../session.js';
import { objectRefs } from '../target.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, { values: { selector: 'l' }, bools: { overwrite: '', all: '' } });

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export interface TaintChanges {
  add: Taint[];
  remove: { key: string; effect?: string }[];
}

export function parseTaintArgs(specs: string[]): TaintChanges {
  const out: TaintChanges = { add: [], remove: [] };
  for (const s of specs) {
    if (s.endsWith('-')) {
      const body = s.slice(0, -1);
      const [key, effect] = body.split(':');
      if (effect !== undefined && !EFFECTS.includes(effect)) {
        throw new CliError(`invalid taint effect: ${effect}, unsupported taint effect`);
      }
      out.remove.push({ key: key.split('=')[0], effect });
      continue;
    }
    const colon = s.lastIndexOf(':');
    if (colon < 0) throw new CliError(`invalid taint spec: ${s}, unknown taint spec`);
    const effect = s.slice(colon + 1);
    if (!EFFECTS.includes(effect)) throw new CliError(`invalid taint effect: ${effect}, unsupported taint effect`);
    const kv = s.slice(0, colon);
    const eq = kv.indexOf('=');
    const taint: Taint = eq >= 0 ? { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect } : { key: kv, effect };
    if (!taint.key) throw new CliError(`invalid taint spec: ${s}, unknown taint spec`);
    out.add.push(taint);
  }
  return out;
}

/** Applies changes to `current` as kubectl does; returns the new list and the operation word. */
export function applyTaints(
  nodeName: string,
  current: Taint[],
  c: TaintChanges,
  overwrite: boolean,
): { taints: Taint[]; op: string } {
  let taints = [...current];
  for (const r of c.remove) {
    const before = taints.length;
    taints = taints.filter((t) => !(t.key === r.key && (r.effect === undefined || t.effect === r.effect)));
    if (taints.length === before) throw new CliError(`taint "${r.effect ? `${r.key}:${r.effect}` : r.key}" not found`);
  }
  for (const a of c.add) {
    const i = taints.findIndex((t) => t.key === a.key && t.effect === a.effect);
    if (i >= 0) {
      if (!overwrite) {
        throw new CliError(
          `node ${nodeName} already has ${a.key} taint(s) with same effect(s) and --overwrite is false`,
        );
      }
      taints[i] = a;
    } else taints.push(a);
  }
  const op = c.add.length ? (c.remove.length ? 'modified' : 'tainted') : 'untainted';
  return { taints, op };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const [type, ...rest] = args.positionals;
  if (!type) throw new CliError('at least one taint update is required');
  const resources = type.includes('/') ? [type] : [type, rest[0] ?? ''];
  const specs = type.includes('/') ? rest : rest.slice(1);
  if (specs.length === 0) throw new CliError('at least one taint update is required');
  const changes = parseTaintArgs(specs);
  const session = await connect(args);
  for (const ref of objectRefs(resources, session.namespace)) {
    if (ref.t.plural !== 'nodes') throw new CliError(`taint is only supported for nodes`);
    const node = await session.client.get<{ spec?: { taints?: Taint[] } }>(ref.path);
    const { taints, op } = applyTaints(ref.name, node.spec?.taints ?? [], changes, bool(args, 'overwrite'));
    await session.client.request('PATCH', ref.path, {
      body: { spec: { taints: taints.length ? taints : null } },
      contentType: 'application/strategic-merge-patch+json',
      query: { fieldManager: 'kubectl-taint', fieldValidation: 'Strict' },
    });
    process.stdout.write(`node/${ref.name} ${op}\n`);
  }
  return 0;
}
