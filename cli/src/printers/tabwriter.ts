/**
 * Go `text/tabwriter` layout (the elastic-tabstop algorithm kubectl prints with): cells are
 * tab-terminated, the text after the last tab of a line is not aligned, and a column block is a run
 * of consecutive lines that have a cell in that column. `rememberWidths` keeps column widths across
 * flushes like cli-runtime's tabwriter fork, so `get -w` rows stay aligned with the header.
 */
export interface TabWriterOptions {
  minWidth: number;
  padding: number;
  rememberWidths?: boolean;
}

/** kubectl get: minwidth 6, padding 3 (cli-runtime printers). */
export const TABLE_OPTIONS: TabWriterOptions = { minWidth: 6, padding: 3, rememberWidths: true };
/** kubectl describe: minwidth 0, padding 2. */
export const DESCRIBE_OPTIONS: TabWriterOptions = { minWidth: 0, padding: 2 };

function textWidth(s: string): number {
  // Strip ANSI colour codes; count code points.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

export class TabWriter {
  private remembered: number[] = [];

  constructor(private readonly opts: TabWriterOptions) {}

  /** Formats `text` (lines separated by '\n', cells by '\t'). */
  format(text: string): string {
    const rawLines = text.split('\n');
    const trailingNewline = rawLines[rawLines.length - 1] === '';
    if (trailingNewline) rawLines.pop();
    const lines = rawLines.map((l) => l.split('\t'));
    const widths: number[] = [];
    const out: string[] = [];
    const writeLines = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const cells = lines[i];
        let s = '';
        for (let j = 0; j < cells.length; j++) {
          const c = cells[j];
          s += c;
          if (j < cells.length - 1 && j < widths.length) s += ' '.repeat(Math.max(0, widths[j] - textWidth(c)));
        }
        out.push(s);
      }
    };
    const fmt = (line0: number, line1: number) => {
      const column = widths.length;
      for (let t = line0; t < line1; t++) {
        if (column >= lines[t].length - 1) continue;
        writeLines(line0, t);
        line0 = t;
        let width = this.opts.minWidth;
        for (; t < line1; t++) {
          const cells = lines[t];
          if (column >= cells.length - 1) break;
          const w = textWidth(cells[column]) + this.opts.padding;
          if (w > width) width = w;
        }
        if (this.opts.rememberWidths) {
          if (column < this.remembered.length && this.remembered[column] > width) width = this.remembered[column];
          this.remembered[column] = width;
        }
        widths.push(width);
        fmt(line0, t);
        widths.pop();
        line0 = t;
      }
      writeLines(line0, line1);
    };
    fmt(0, lines.length);
    return out.join('\n') + (trailingNewline ? '\n' : '');
  }
}

/** One-shot formatting of rows of cells (each row becomes `cells.join('\t') + '\n'`). */
export function formatRows(
  rows: string[][],
  opts: TabWriterOptions = TABLE_OPTIONS,
  writer = new TabWriter(opts),
): string {
  if (rows.length === 0) return '';
  return writer.format(rows.map((r) => r.join('\t')).join('\n') + '\n');
}
