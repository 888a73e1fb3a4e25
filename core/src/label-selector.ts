/**
 * Label selectors (k8s-semantics.md §2, apimachinery `pkg/labels/selector.go`): the `kubectl -l`
 * string syntax and the structured `matchLabels`/`matchExpressions` form, with one matcher.
 */
import { isQualifiedName, isValidLabelValue } from './names.js';
import type { LabelSelector } from './types.js';

export type SelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  /** Sorted, de-duplicated. Empty for `exists`/`!`. */
  values: string[];
}

export interface Selector {
  readonly requirements: readonly Requirement[];
  /** True when the selector selects everything (no requirements). */
  readonly empty: boolean;
  matches(labels?: Record<string, string>): boolean;
  /** Canonical kubectl syntax; `parseLabelSelector(s.toString())` yields an equal selector. */
  toString(): string;
}

/** Raised for unparseable or invalid selectors; the API layer turns it into a 400 BadRequest. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?[0-9]+$/.test(value)) return false;
      const l = BigInt(value);
      const v = BigInt(r.values[0]);
      return r.operator === 'gt' ? l > v : l < v;
    }
  }
}

export function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

function makeSelector(requirements: Requirement[]): Selector {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    empty: sorted.length === 0,
    matches: (labels = {}) => sorted.every((r) => requirementMatches(r, labels)),
    toString: () => sorted.map(requirementToString).join(','),
  };
}

/** Selects every object. */
export function everything(): Selector {
  return makeSelector([]);
}

/** Selects nothing (a `null` structured selector). */
export function nothing(): Selector {
  return { requirements: [], empty: false, matches: () => false, toString: () => '' };
}

/** Builds one validated requirement (apimachinery `NewRequirement`); throws `SelectorError`. */
export function newRequirement(key: string, operator: SelectorOperator, values: string[]): Requirement {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(`key: Invalid value: "${key}": ${keyErrs.join('; ')}`);
  const uniq = [...new Set(values)].sort();
  switch (operator) {
    case 'in':
    case 'notin':
      if (uniq.length === 0)
        errs.push("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
      break;
    case '=':
    case '==':
    case '!=':
      if (uniq.length !== 1) {
        errs.push(
          `values: Invalid value: ${JSON.stringify(values)}: exact-match compatibility requires one single value`,
        );
      }
      break;
    case 'exists':
    case '!':
      if (uniq.length !== 0) {
        errs.push(
          `values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`,
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (uniq.length !== 1) {
        errs.push(
          `values: Invalid value: ${JSON.stringify(values)}: for 'Gt', 'Lt' operators, exactly one value is required`,
        );
      }
      uniq.forEach((v, i) => {
        if (!/^[+-]?[0-9]+$/.test(v)) {
          errs.push(`values[${i}]: Invalid value: "${v}": for 'Gt', 'Lt' operators, the value must be an integer`);
        }
      });
      break;
  }
  uniq.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(`values[${i}]: Invalid value: "${v}": ${valueErrs.join('; ')}`);
  });
  if (errs.length) throw new SelectorError(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
  return { key, operator, values: uniq };
}

// ---------------------------------------------------------------------------------------------
// String syntax

type TokenKind = 'id' | 'in' | 'notin' | '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const WHITESPACE = ' \t\r\n';
const SPECIAL = '=!(),><';
const SYMBOLS: TokenKind[] = ['!=', '==', '!', '=', '>', '<', '(', ')', ','];

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (WHITESPACE.includes(c)) {
      i++;
    } else if (SPECIAL.includes(c)) {
      const sym = SYMBOLS.find((t) => s.startsWith(t, i))!;
      tokens.push({ kind: sym, text: sym });
      i += sym.length;
    } else {
      let j = i;
      while (j < s.length && !WHITESPACE.includes(s[j]) && !SPECIAL.includes(s[j])) j++;
      const text = s.slice(i, j);
      tokens.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'id', text });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** In value position the keywords `in`/`notin` are ordinary identifiers. */
  private peek(asValue = true): Token {
    const t = this.tokens[this.pos];
    return asValue && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'id', text: t.text } : t;
  }

  private next(asValue = true): Token {
    const t = this.peek(asValue);
    this.pos++;
    return t;
  }

  parse(): Requirement[] {
    const out: Requirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return out;
      if (t.kind !== 'id' && t.kind !== '!') {
        throw new SelectorError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      }
      out.push(this.requirement());
      const sep = this.next();
      if (sep.kind === 'end') return out;
      if (sep.kind !== ',') throw new SelectorError(`found '${sep.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'id' && after.kind !== '!') {
        throw new SelectorError(`found '${after.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    try {
      return this.requirementInner();
    } catch (e) {
      if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
  }

  private requirementInner(): Requirement {
    let t = this.next();
    const negated = t.kind === '!';
    if (negated) t = this.next();
    if (t.kind !== 'id') throw new SelectorError(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new SelectorError(`key: Invalid value: "${key}": ${keyErrs.join('; ')}`);
    const la = this.peek();
    if (negated) return newRequirement(key, '!', []);
    if (la.kind === 'end' || la.kind === ',') return newRequirement(key, 'exists', []);
    const op = this.next(false);
    switch (op.kind) {
      case 'in':
      case 'notin':
        return newRequirement(key, op.kind, this.valueSet());
      case '=':
      case '==':
      case '!=':
        return newRequirement(key, op.kind, [this.exactValue()]);
      case '>':
        return newRequirement(key, 'gt', [this.exactValue()]);
      case '<':
        return newRequirement(key, 'lt', [this.exactValue()]);
      default:
        throw new SelectorError(`found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private exactValue(): string {
    const la = this.peek();
    if (la.kind === 'end' || la.kind === ',') return '';
    const t = this.next();
    if (t.kind !== 'id') throw new SelectorError(`found '${t.text}', expected: identifier`);
    return t.text;
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new SelectorError(`found '${open.text}' expected: '('`);
    const la = this.peek();
    if (la.kind === ')') {
      this.next();
      return [''];
    }
    if (la.kind !== 'id' && la.kind !== ',') {
      throw new SelectorError(`found '${la.text}', expected: ',', ')' or identifier`);
    }
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'id') {
        values.push(t.text);
        const after = this.peek();
        if (after.kind === ')') break;
        if (after.kind !== ',') throw new SelectorError(`found '${after.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        if (values.length === 0) values.push('');
        const after = this.peek();
        if (after.kind === ')') {
          values.push('');
          break;
        }
        if (after.kind === ',') {
          this.next();
          values.push('');
        }
      } else {
        throw new SelectorError(`found '${t.text}', expected: ',', or identifier`);
      }
    }
    this.next(); // ')'
    return values;
  }
}

/** Parses `kubectl -l` syntax; '' selects everything. Throws `SelectorError`. */
export function parseLabelSelector(s: string): Selector {
  return makeSelector(new Parser(tokenize(s)).parse());
}

/** Structured selector: `{}` selects everything, `null`/`undefined` selects nothing. Throws `SelectorError`. */
export function selectorFromLabelSelector(sel: LabelSelector | null | undefined): Selector {
  if (sel === null || sel === undefined) return nothing();
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push(newRequirement(k, '=', [v]));
  for (const e of sel.matchExpressions ?? []) {
    const op = STRUCTURED_OPERATORS[e.operator];
    if (!op) throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return makeSelector(reqs);
}

const STRUCTURED_OPERATORS: Record<string, SelectorOperator | undefined> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/** kubectl's rendering of a structured selector (`describe`): `<none>` when empty or null, `<error>` if invalid. */
export function formatLabelSelector(sel: LabelSelector | null | undefined): string {
  let text: string;
  try {
    text = selectorFromLabelSelector(sel).toString();
  } catch {
    return '<error>';
  }
  return text === '' ? '<none>' : text;
}
