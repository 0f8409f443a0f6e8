// Prints the ratio table, writes results JSON, the markdown table in docs/benchmarks.md, and a PNG
// chart of the latency distributions (an SVG rendered by Chromium).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './figure-console.js';
import type { Figure, Summary } from './stats.js';

const isSummary = (v: unknown): v is Summary => typeof v === 'object' && v !== null && 'median' in v;
const fmt = (v: number) =>
  Number.isNaN(v) ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);

export function machine(dockerVersion: string): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${osType()} ${release()}, Node ${process.version}, Docker ${dockerVersion}`;
}

export function printTable(figures: readonly Figure[]): string {
  const rows = [['#', 'figure', 'ratio / value', 'measured', 'target', 'met']];
  for (const f of figures) {
    for (const r of f.ratios) rows.push([String(f.id), r.name, fmt(r.value), f.title, r.target, r.met ? 'yes' : 'NO']);
  }
  const widths = rows[0]!.map((_, i) => Math.min(i === 3 ? 60 : 200, Math.max(...rows.map((r) => r[i]!.length))));
  return rows.map((r) => r.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join('  ')).join('\n');
}

function measuredText(f: Figure): string {
  return Object.entries(f.measured)
    .map(([k, v]) => (isSummary(v) ? `${k}: median ${fmt(v.median)}, p99 ${fmt(v.p99)} (n=${v.n})` : `${k}: ${fmt(v)}`))
    .join('; ');
}

const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
const END = '<!-- bench:end -->';

/** The rows, notes and measurement lines of the table already in the file, by figure id. */
function previousTable(block: string): {
  rows: Map<number, string[]>;
  notes: Map<number, string[]>;
  measuredAt: Map<number, string>;
} {
  const rows = new Map<number, string[]>();
  const notes = new Map<number, string[]>();
  const measuredAt = new Map<number, string>();
  const push = (map: Map<number, string[]>, id: number, line: string) => map.set(id, [...(map.get(id) ?? []), line]);
  const lines = block.split('\n');
  for (const line of lines) {
    const row = /^\| (\d+) \|/.exec(line);
    if (row) push(rows, Number(row[1]), line);
    const note = /^- Figure (\d+): /.exec(line);
    if (note) push(notes, Number(note[1]), line);
  }
  for (const line of lines) {
    // "Figures 3, 7: measured WHEN on MACHINE." or, from a full run, "Measured WHEN on MACHINE."
    const m = /^(?:Figures? ([\d, ]+): m|M)easured (.+)\.$/.exec(line);
    if (!m) continue;
    const ids = m[1] ? m[1].split(',').map((x) => Number(x.trim())) : [...rows.keys()];
    for (const id of ids) measuredAt.set(id, m[2]!);
  }
  return { rows, notes, measuredAt };
}

/**
 * Writes the figures of this run into the file's table. A partial run (`--only`) replaces the
 * rows of its figures and keeps the others, each group of rows saying when it was measured.
 */
export async function writeMarkdown(
  file: string,
  figures: readonly Figure[],
  machineLine: string,
  when: string,
): Promise<void> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  }
  const begin = text.indexOf('<!-- bench:begin');
  const end = text.indexOf(END);
  const old = previousTable(begin >= 0 && end >= 0 ? text.slice(begin, end) : '');
  const measuredNow = new Set(figures.map((f) => f.id));
  const rows = new Map<number, string[]>(
    figures.map((f) => [
      f.id,
      f.ratios.map(
        (r, i) =>
          `| ${f.id} | ${r.name} | ${fmt(r.value)} | ${r.target} | ${r.met ? 'yes' : '**no**'} | ${i === 0 ? measuredText(f) : '〃'} |`,
      ),
    ]),
  );
  const notes = new Map<number, string[]>(
    figures.map((f) => [f.id, (f.notes ?? []).map((n) => `- Figure ${f.id}: ${n}`)]),
  );
  const measuredAt = new Map<number, string>(figures.map((f) => [f.id, `${when} on ${machineLine}`]));
  for (const [id, lines] of old.rows) {
    if (measuredNow.has(id)) continue;
    rows.set(id, lines);
    notes.set(id, old.notes.get(id) ?? []);
    measuredAt.set(id, old.measuredAt.get(id) ?? 'at an earlier run');
  }
  const ids = [...rows.keys()].sort((a, b) => a - b);
  const byTime = new Map<string, number[]>();
  for (const id of ids) byTime.set(measuredAt.get(id)!, [...(byTime.get(measuredAt.get(id)!) ?? []), id]);
  const measuredLines = [...byTime].map(([at, group]) =>
    byTime.size === 1 ? `Measured ${at}.` : `Figure${group.length > 1 ? 's' : ''} ${group.join(', ')}: measured ${at}.`,
  );
  const lines = [
    BEGIN,
    ...measuredLines,
    '',
    '| # | figure | ratio / value | target | met | measured |',
    '|---|---|---|---|---|---|',
    ...ids.flatMap((id) => rows.get(id)!),
    '',
    ...ids.flatMap((id) => notes.get(id) ?? []),
    '',
    `![Latency distributions of the last run (figure${figures.length > 1 ? 's' : ''} ${figures.map((f) => f.id).join(', ')})](benchmarks.png)`,
    END,
  ];
  const block = lines.join('\n');
  text = begin >= 0 && end >= 0 ? text.slice(0, begin) + block + text.slice(end + END.length) : `${text}\n${block}\n`;
  await writeFile(file, text);
}

/** Box plots (min, p50, p90, p99, max) of every latency distribution, on a log scale. */
export async function writeChart(file: string, figures: readonly Figure[]): Promise<void> {
  const series: Array<{ label: string; s: Summary }> = [];
  for (const f of figures)
    for (const [k, v] of Object.entries(f.measured))
      if (isSummary(v) && /_ms$/.test(k))
        series.push({ label: `${f.id} ${k.replace(/_ms$/, '').replace(/_/g, ' ')}`, s: v });
  const width = 1100;
  const rowH = 28;
  const left = 330;
  const height = 60 + series.length * rowH;
  const lo = Math.max(0.05, Math.min(...series.map((x) => x.s.min)));
  const hi = Math.max(...series.map((x) => x.s.max));
  const x = (v: number) =>
    left +
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1)) * (width - left - 30);
  const ticks = [0.1, 1, 10, 100, 1000, 10000].filter((t) => t >= lo / 2 && t <= hi * 2);
  const rows = series.map(({ label, s }, i) => {
    const y = 40 + i * rowH;
    return `<text x="${left - 10}" y="${y + 5}" text-anchor="end">${label}</text>
      <line x1="${x(s.min)}" x2="${x(s.max)}" y1="${y}" y2="${y}" stroke="#8a94a0"/>
      <rect x="${x(s.median)}" y="${y - 8}" width="${Math.max(2, x(s.p90) - x(s.median))}" height="16" fill="#f05138" opacity="0.8"/>
      <line x1="${x(s.p99)}" x2="${x(s.p99)}" y1="${y - 9}" y2="${y + 9}" stroke="#1c2128" stroke-width="2"/>
      <text x="${x(s.max) + 6}" y="${y + 4}" fill="#66707c">p50 ${fmt(s.median)} · p99 ${fmt(s.p99)} ms</text>`;
  });
  const tickMarks = (t: number) =>
    `<line x1="${x(t)}" x2="${x(t)}" y1="28" y2="${height - 10}" stroke="#eee"/>` +
    `<text x="${x(t)}" y="${height - 2}" text-anchor="middle" fill="#999">${t}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width + 180}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="#fff"/>
    <text x="16" y="20" font-weight="bold">Latency distributions (ms, log scale): line = min..max, bar = p50..p90, tick = p99</text>
    ${ticks.map(tickMarks).join('')}
    ${rows.join('\n')}
  </svg>`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: width + 180, height } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

export async function writeJson(dir: string, payload: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'results.json');
  await writeFile(file, JSON.stringify(payload, null, 2));
  return file;
}
