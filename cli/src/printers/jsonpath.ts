/**
 * kubectl's JSONPath templates (`-o jsonpath=…`, `custom-columns`): `{.a.b}`, `[n]`, `[a:b]`, `[*]`,
 * `['key']`, `..name`, filters `[?(@.type=="Ready")]`, `{range …}{end}`, string literals, `{@}`.
 */

type Step =
  | { t: 'field'; name: string }
  | { t: 'wild' }
  | { t: 'index'; start?: number; end?: number; single: boolean }
  | { t: 'recursive'; name: string }
  | { t: 'filter'; left: Step[]; op?: string; right?: Step[] | string | number };

type Node = { t: 'text'; text: string } | { t: 'path'; steps: Step[] } | { t: 'range'; steps: Step[]; body: Node[] };

export class JsonPathError extends Error {}

function parseSteps(src: string): Step[] {
  let s = src.trim();
  if (s.startsWith('$')) s = s.slice(1);
  if (s.startsWith('@')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const ident = () => {
    const m = /^[^.[\]\s]*/.exec(s.slice(i));
    const name = m ? m[0] : '';
    i += name.length;
    return name;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      if (s[i + 1] === '.') {
        i += 2;
        steps.push({ t: 'recursive', name: ident() });
        continue;
      }
      i++;
      const name = ident();
      if (name === '*') steps.push({ t: 'wild' });
      else if (name !== '') steps.push({ t: 'field', name });
      continue;
    }
    if (c === '[') {
      const close = findClose(s, i);
      const inner = s.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === '*') steps.push({ t: 'wild' });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(parseFilter(inner.slice(2, -1)));
      else if (/^['"]/.test(inner)) {
        for (const part of inner.split(',')) steps.push({ t: 'field', name: part.trim().slice(1, -1) });
      } else if (inner.includes(':')) {
        const [a, b] = inner.split(':');
        steps.push({
          t: 'index',
          start: a.trim() === '' ? undefined : Number(a),
          end: b.trim() === '' ? undefined : Number(b),
          single: false,
        });
      } else if (/^-?\d+$/.test(inner)) {
        steps.push({ t: 'index', start: Number(inner), single: true });
      } else throw new JsonPathError(`unrecognized character in action: ${inner}`);
      continue;
    }
    const name = ident();
    if (!name) throw new JsonPathError(`unrecognized character in action: ${s.slice(i)}`);
    steps.push({ t: 'field', name });
  }
  return steps;
}

function findClose(s: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return j;
  }
  throw new JsonPathError('unclosed array expect ]');
}

function parseOperand(s: string): Step[] | string | number {
  const t = s.trim();
  if (/^['"]/.test(t)) return t.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return parseSteps(t);
}

function parseFilter(expr: string): Step {
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(expr);
  if (!m) return { t: 'filter', left: parseSteps(expr) };
  return { t: 'filter', left: parseSteps(m[1]), op: m[2], right: parseOperand(m[3]) };
}

export function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: { body: Node[] }[] = [{ body: root }];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack[stack.length - 1].body.push({ t: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1].body.push({ t: 'text', text: template.slice(i, open) });
    let close = -1;
    let quote = '';
    for (let j = open + 1; j < template.length; j++) {
      const c = template[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"') quote = c;
      else if (c === '}') {
        close = j;
        break;
      }
    }
    if (close < 0) throw new JsonPathError(`unclosed action`);
    const action = template.slice(open + 1, close).trim();
    i = close + 1;
    const top = stack[stack.length - 1];
    if (action.startsWith('range ')) {
      const node: Node = { t: 'range', steps: parseSteps(action.slice(6)), body: [] };
      top.body.push(node);
      stack.push(node);
    } else if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError('not in range, nothing to end');
      stack.pop();
    } else if (action.startsWith('"')) {
      top.body.push({ t: 'text', text: JSON.parse(action) as string });
    } else {
      top.body.push({ t: 'path', steps: parseSteps(action) });
    }
  }
  if (stack.length > 1) throw new JsonPathError('unclosed range');
  return root;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function recurse(v: unknown, name: string, out: unknown[]): void {
  if (isObj(v)) {
    if (name in v) out.push(v[name]);
    for (const child of Object.values(v)) recurse(child, name, out);
  } else if (Array.isArray(v)) for (const child of v) recurse(child, name, out);
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return String(a) === String(b);
    case '!=':
      return String(a) !== String(b);
    case '<':
      return Number(a) < Number(b);
    case '>':
      return Number(a) > Number(b);
    case '<=':
      return Number(a) <= Number(b);
    default:
      return Number(a) >= Number(b);
  }
}

export function evaluate(steps: Step[], data: unknown, allowMissing = true): unknown[] {
  let cur: unknown[] = [data];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.t) {
        case 'field':
          if (isObj(v) && step.name in v) next.push(v[step.name]);
          else if (!allowMissing) throw new JsonPathError(`${step.name} is not found`);
          break;
        case 'wild':
          if (Array.isArray(v)) next.push(...v);
          else if (isObj(v)) next.push(...Object.values(v));
          break;
        case 'index': {
          if (!Array.isArray(v)) break;
          if (step.single) {
            const idx = step.start! < 0 ? v.length + step.start! : step.start!;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
            else if (!allowMissing)
              throw new JsonPathError(`array index out of bounds: index ${step.start}, length ${v.length}`);
          } else next.push(...v.slice(step.start, step.end));
          break;
        }
        case 'recursive':
          recurse(v, step.name, next);
          break;
        case 'filter': {
          const items = Array.isArray(v) ? v : [v];
          for (const item of items) {
            const left = evaluate(step.left, item);
            if (!step.op) {
              if (left.length > 0 && left[0] !== false && left[0] != null) next.push(item);
              continue;
            }
            const right =
              typeof step.right === 'string' || typeof step.right === 'number'
                ? [step.right]
                : evaluate(step.right ?? [], item);
            if (left.length && right.length && compare(left[0], step.op, right[0])) next.push(item);
          }
          break;
        }
      }
    }
    cur = next;
  }
  return cur;
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(sortKeys(v));
}

/** Go encodes maps with sorted keys; kubectl's JSONPath prints objects that way. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

/** Executes a kubectl JSONPath template against `data`. */
export function executeTemplate(template: string, data: unknown, allowMissing = true): string {
  const nodes = parseTemplate(template);
  const run = (list: Node[], scope: unknown): string => {
    let out = '';
    for (const n of list) {
      if (n.t === 'text') out += n.text;
      else if (n.t === 'path') out += evaluate(n.steps, scope, allowMissing).map(formatValue).join(' ');
      else for (const item of evaluate(n.steps, scope, allowMissing)) out += run(n.body, item);
    }
    return out;
  };
  return run(nodes, data);
}

/** kubectl's relaxed form for custom-columns: `.a.b` or `a.b` becomes `{.a.b}`. */
export function relaxedTemplate(path: string): string {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) return p;
  if (!p.startsWith('.') && !p.startsWith('[')) p = `.${p}`;
  return `{${p}}`;
}
