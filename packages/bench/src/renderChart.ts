import type { SummaryRow } from './summarizeRuns.ts';

/** One series of the chart: a target, its name and colour. */
export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

interface Panel {
  title: string;
  unit: string;
  value: (row: SummaryRow) => number;
}

const PANELS: readonly Panel[] = [
  { title: 'Fan-out latency p99 at 10 events/s', unit: 'ms', value: (row) => row.median.p99 },
  { title: 'Memory per open stream, RSS', unit: 'KB', value: (row) => row.median.kbPerStream },
];

const WIDTH = 960;
const PANEL_WIDTH = 460;
const HEIGHT = 400;
const TOP = 48;
const BOTTOM = 330;
const LEFT = 56;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round axis maximum at or above `value`: 1, 2 or 5 times a power of ten. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function label(value: number): string {
  if (!Number.isFinite(value)) return '';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, '');
}

function renderPanel(panel: Panel, rows: readonly SummaryRow[], series: readonly ChartSeries[], x0: number): string {
  const streams = [...new Set(rows.map((row) => row.streams))].sort((a, b) => a - b);
  const values = rows.map(panel.value).filter(Number.isFinite);
  const top = niceCeiling(Math.max(0, ...values));
  const plotLeft = x0 + LEFT;
  const plotWidth = PANEL_WIDTH - LEFT - 10;
  const y = (value: number) => BOTTOM - (value / top) * (BOTTOM - TOP);
  const parts = [
    `<text x="${x0 + PANEL_WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(panel.title)} (${panel.unit})</text>`,
  ];
  for (let tick = 0; tick <= 5; tick++) {
    const value = (top * tick) / 5;
    parts.push(
      `<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${plotLeft - 6}" y="${y(value) + 4}" text-anchor="end" font-size="11">${label(value)}</text>`,
    );
  }
  const groupWidth = plotWidth / Math.max(1, streams.length);
  const barWidth = Math.min(28, (groupWidth * 0.8) / Math.max(1, series.length));
  streams.forEach((count, group) => {
    const groupLeft = plotLeft + group * groupWidth + (groupWidth - barWidth * series.length) / 2;
    series.forEach((item, index) => {
      const row = rows.find((candidate) => candidate.target === item.key && candidate.streams === count);
      const value = row && row.runs > 0 ? panel.value(row) : Number.NaN;
      if (!Number.isFinite(value)) return;
      const x = groupLeft + index * barWidth;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(BOTTOM - y(value)).toFixed(1)}" fill="${item.color}"><title>${escapeXml(item.label)}, ${count} streams: ${label(value)} ${panel.unit}</title></rect>`,
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(y(value) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${label(value)}</text>`,
      );
    });
    parts.push(
      `<text x="${(plotLeft + group * groupWidth + groupWidth / 2).toFixed(1)}" y="${BOTTOM + 16}" text-anchor="middle" font-size="12">${count.toLocaleString('en-US')} streams</text>`,
    );
  });
  parts.push(`<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${BOTTOM}" y2="${BOTTOM}" stroke="#333"/>`);
  return parts.join('\n');
}

/**
 * A two-panel grouped bar chart, p99 latency and memory per stream, per target and stream
 * count (medians over the repeats), as a standalone SVG document.
 */
export function renderChart(rows: readonly SummaryRow[], series: readonly ChartSeries[]): string {
  const legend = series
    .map((item, index) => {
      const x = 20 + index * (WIDTH / series.length);
      return `<rect x="${x}" y="${HEIGHT - 30}" width="12" height="12" fill="${item.color}"/><text x="${x + 18}" y="${HEIGHT - 20}" font-size="12">${escapeXml(item.label)}</text>`;
    })
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...PANELS.map((panel, index) => renderPanel(panel, rows, series, index * (WIDTH / 2) + 10)),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
