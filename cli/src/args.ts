/**
 * A small kubectl-style argument parser: `--flag=value`, `--flag value`, `-n value`, `-nvalue`,
 * grouped short booleans (`-it`), boolean flags with `--flag=false`, and everything after `--`.
 */

export interface FlagSpec {
  /** Flags that take a value, long name → short alias (or '' for none). */
  values?: Record<string, string>;
  /** Boolean flags, long name → short alias (or ''). */
  bools?: Record<string, string>;
  /** Value flags that may repeat (`-f a -f b`); their values accumulate. */
  repeatable?: string[];
}

export interface ParsedArgs {
  positionals: string[];
  /** Arguments after `--`. */
  rest: string[];
  /** Whether `--` was present. */
  dashDash: boolean;
  values: Map<string, string[]>;
  bools: Map<string, boolean>;
}

export class UsageError extends Error {}

/** Flags every verb understands (connection and namespace). */
export const GLOBAL_FLAGS: FlagSpec = {
  values: {
    namespace: 'n',
    kubeconfig: '',
    context: '',
    server: 's',
    token: '',
    'request-timeout': '',
    cluster: '',
    user: '',
    'certificate-authority': '',
  },
  bools: { 'insecure-skip-tls-verify': '', help: 'h' },
};

export function mergeSpecs(...specs: FlagSpec[]): FlagSpec {
  const out: Required<FlagSpec> = { values: {}, bools: {}, repeatable: [] };
  for (const s of specs) {
    Object.assign(out.values, s.values ?? {});
    Object.assign(out.bools, s.bools ?? {});
    out.repeatable.push(...(s.repeatable ?? []));
  }
  return out;
}

function parseBool(flag: string, v: string): boolean {
  if (v === 'true' || v === '1' || v === 't' || v === 'T' || v === 'TRUE' || v === 'True') return true;
  if (v === 'false' || v === '0' || v === 'f' || v === 'F' || v === 'FALSE' || v === 'False') return false;
  throw new UsageError(
    `invalid argument "${v}" for "--${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`,
  );
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const values = spec.values ?? {};
  const bools = spec.bools ?? {};
  const shortToLong = new Map<string, string>();
  for (const [long, short] of [...Object.entries(values), ...Object.entries(bools)]) {
    if (short) shortToLong.set(short, long);
  }
  const out: ParsedArgs = { positionals: [], rest: [], dashDash: false, values: new Map(), bools: new Map() };
  const setValue = (name: string, v: string) => {
    const list = out.values.get(name) ?? [];
    list.push(v);
    out.values.set(name, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.dashDash = true;
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      if (name in values) {
        let v = inline;
        if (v === undefined) {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
          v = argv[++i];
        }
        setValue(name, v);
      } else if (name in bools) {
        out.bools.set(name, inline === undefined ? true : parseBool(name, inline));
      } else {
        throw new UsageError(`unknown flag: --${name}`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      // Short flags: `-n ns`, `-nns`, `-n=ns`, `-it`, `-A`.
      for (let j = 1; j < a.length; j++) {
        const ch = a[j];
        const long = shortToLong.get(ch);
        if (!long) throw new UsageError(`unknown shorthand flag: '${ch}' in ${a}`);
        if (long in values) {
          let v = a.slice(j + 1);
          if (v.startsWith('=')) v = v.slice(1);
          if (v === '') {
            if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${ch}' in -${ch}`);
            v = argv[++i];
          }
          setValue(long, v);
          break;
        }
        if (a[j + 1] === '=') {
          out.bools.set(long, parseBool(long, a.slice(j + 2)));
          break;
        }
        out.bools.set(long, true);
      }
      continue;
    }
    out.positionals.push(a);
  }
  return out;
}

/** Last value of a value flag. */
export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function flagAll(args: ParsedArgs, name: string): string[] {
  return args.values.get(name) ?? [];
}

export function bool(args: ParsedArgs, name: string, dflt = false): boolean {
  return args.bools.get(name) ?? dflt;
}

export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const v = flag(args, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) {
    throw new UsageError(
      `invalid argument "${v}" for "--${name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`,
    );
  }
  return Number(v);
}

/** Parses Go-style durations (`30s`, `1h30m`, `500ms`, `2m`) into milliseconds; a bare number means seconds. */
export function parseDuration(s: string): number {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    consumed += m[0].length;
  }
  if (consumed !== s.length || s.length === 0) throw new UsageError(`time: invalid duration "${s}"`);
  return total;
}
