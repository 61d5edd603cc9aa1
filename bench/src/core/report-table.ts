import type { Figure, MissingFigure } from './figures';

/** A number with as many decimals as its size deserves (3 significant digits for small values). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return '';
  const percent = ratio * 100;
  return `${percent >= 10 ? percent.toFixed(0) : percent >= 1 ? percent.toFixed(1) : percent.toPrecision(2)}%`;
}

function renderRows(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * The results as a plain-text table: figure, value, unit, limit, ratio to the limit,
 * target and whether it was met; then the limits' meaning, where the time went and the
 * figures not produced.
 */
export function renderTable(figures: readonly Figure[], missing: readonly MissingFigure[]): string {
  const limitNames = new Map<string, string>();
  const limitRef = (label: string): string => {
    if (!limitNames.has(label)) limitNames.set(label, `L${limitNames.size + 1}`);
    return limitNames.get(label)!;
  };
  const rows = figures.map((figure) => [
    figure.label,
    formatNumber(figure.value),
    figure.unit,
    figure.limit ? `${formatNumber(figure.limit.value)} (${limitRef(figure.limit.label)})` : '',
    formatRatio(figure.ratio),
    figure.target?.text ?? '',
    figure.target ? (figure.target.met ? 'yes' : 'NO') : '',
  ]);
  const parts = [renderRows(['figure', 'value', 'unit', 'limit', 'ratio', 'target', 'met?'], rows)];
  if (limitNames.size > 0) {
    parts.push(['limits:', ...[...limitNames].map(([label, ref]) => `  ${ref} = ${label}`)].join('\n'));
  }
  const breakdowns = figures.filter((figure) => figure.breakdown);
  if (breakdowns.length > 0) {
    parts.push(
      ['where the time goes:', ...breakdowns.map((f) => `  ${f.label}:\n    ${f.breakdown}`)].join('\n'),
    );
  }
  if (missing.length > 0) {
    parts.push(['not measured:', ...missing.map((m) => `  ${m.label}: ${m.reason}`)].join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}
