/**
 * A tiny reader for the block-style YAML subset kubeconfig files and firmware profiles use (block
 * mappings, block sequences, plain/quoted scalars, comments, `{}`/`[]`, one-line flow sequences of
 * scalars). It exists so `peapod get` and the agent need not load a full YAML parser (~3 MiB);
 * anything outside the subset throws `UnsupportedYaml` and the caller falls back to the `yaml`
 * package.
 */
export class UnsupportedYaml extends Error {}

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(s: string): string {
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,-]/.test(s[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) {
      return s.slice(0, i).trimEnd();
    }
  }
  return s.trimEnd();
}

/** Plain scalars the YAML 1.2 core schema reads as numbers, booleans or null. */
const CORE_NON_STRING =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;

/** `[a, "b", 'c']` on one line: scalars only, no nesting. */
function flowSequence(s: string): unknown[] {
  const items: string[] = [];
  let quote = '';
  let start = 1;
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === "'" && quote === "'" && s[i + 1] === "'") i++;
      else if (c === quote) quote = '';
    } else if ((c === '"' || c === "'") && s.slice(start, i).trim() === '') {
      quote = c;
    } else if (c === '[' || c === ']' || c === '{' || c === '}') {
      throw new UnsupportedYaml(`nested flow collection ${s}`);
    } else if (c === ',') {
      items.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) throw new UnsupportedYaml(`unterminated string ${s}`);
  items.push(s.slice(start, -1));
  if (items.at(-1)?.trim() === '') items.pop();
  return items.map((item) => {
    if (item.trim() === '') throw new UnsupportedYaml(`empty flow item ${s}`);
    return scalar(item);
  });
}

function scalar(raw: string): unknown {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null') return null;
  if (s === '{}') return {};
  if (s === '[]') return [];
  if (s.startsWith('[') && s.endsWith(']')) return flowSequence(s);
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new UnsupportedYaml('multi-line string');
    try {
      return JSON.parse(s);
    } catch {
      throw new UnsupportedYaml(`YAML escapes or text after a quoted string: ${s}`);
    }
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new UnsupportedYaml('multi-line string');
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{|>&*!%@`?]/.test(s) || s.startsWith('- ') || s === '-' || s.includes(': ') || s.endsWith(':'))
    throw new UnsupportedYaml(`unsupported scalar ${s}`);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?\d+$/.test(s)) return Number(s);
  // Anything else the YAML 1.2 core schema would not read as a string (floats, hex, octal, .inf,
  // True, NULL …) is left to the full parser.
  if (CORE_NON_STRING.test(s)) throw new UnsupportedYaml(`non-string scalar ${s}`);
  return s;
}

/** Splits `key: value` at the first `: ` (or trailing `:`) outside quotes. */
function splitKey(text: string): [string, string] | undefined {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if ((c === '"' || c === "'") && i === 0) {
      quote = c;
    } else if (c === ':' && (i === text.length - 1 || text[i + 1] === ' ')) {
      const k = text.slice(0, i).trim();
      return [String(scalar(k) ?? ''), text.slice(i + 1).trim()];
    }
  }
  return undefined;
}

export function parseMiniYaml(src: string): unknown {
  const lines: Line[] = [];
  src.split(/\r?\n/).forEach((raw, i) => {
    if (raw.includes('\t') && /^\s*\t/.test(raw)) throw new UnsupportedYaml('tab indentation');
    const text = stripComment(raw);
    if (text.trim() === '' || text.trim() === '---') return;
    if (text.trim() === '...') return;
    const indent = text.length - text.trimStart().length;
    lines.push({ indent, text: text.trim(), no: i + 1 });
  });
  let pos = 0;

  function parseBlock(indent: number): unknown {
    if (pos >= lines.length) return null;
    const first = lines[pos];
    if (first.indent < indent) return null;
    if (first.text.startsWith('- ') || first.text === '-') return parseSeq(first.indent);
    return parseMap(first.indent);
  }

  function parseValue(rest: string, parentIndent: number): unknown {
    if (rest !== '') return scalar(rest);
    if (pos < lines.length && lines[pos].indent > parentIndent) return parseBlock(lines[pos].indent);
    // A sequence may sit at the same indentation as its parent key.
    if (pos < lines.length && lines[pos].indent === parentIndent && lines[pos].text.startsWith('-')) {
      return parseSeq(parentIndent);
    }
    return null;
  }

  function parseMap(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (pos < lines.length && lines[pos].indent === indent && !lines[pos].text.startsWith('- ')) {
      const line = lines[pos];
      const kv = splitKey(line.text);
      if (!kv) throw new UnsupportedYaml(`line ${line.no}: expected key: value`);
      if (Object.hasOwn(out, kv[0])) throw new UnsupportedYaml(`line ${line.no}: duplicate key ${kv[0]}`);
      pos++;
      out[kv[0]] = parseValue(kv[1], indent);
    }
    if (pos < lines.length && lines[pos].indent > indent)
      throw new UnsupportedYaml(`line ${lines[pos].no}: bad indent`);
    return out;
  }

  function parseSeq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (
      pos < lines.length &&
      lines[pos].indent === indent &&
      (lines[pos].text.startsWith('- ') || lines[pos].text === '-')
    ) {
      const line = lines[pos];
      const rest = line.text === '-' ? '' : line.text.slice(2).trim();
      if (rest === '') {
        pos++;
        out.push(parseValue('', indent));
        continue;
      }
      const kv = splitKey(rest);
      if (!kv) {
        pos++;
        out.push(scalar(rest));
        continue;
      }
      // `- key: value` starts a mapping whose other keys are indented to the key's column.
      const itemIndent = indent + (line.text.length - rest.length);
      lines[pos] = { indent: itemIndent, text: rest, no: line.no };
      out.push(parseMap(itemIndent));
    }
    return out;
  }

  const result = parseBlock(0);
  if (pos < lines.length) throw new UnsupportedYaml(`line ${lines[pos].no}: unexpected content`);
  return result;
}
