// A bench record (bench/results/*.json) as a Markdown section, for the README's performance
// section: `npx tsx bench/markdown.ts [results/FILE.json]` (default: the newest record).
// run.ts also writes it beside each JSON record.

import { frontendLine } from './frontend.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { methodGrid, methodNotes } from './methods.ts';
import { ablationGrid, measurementGrid, ratioGrid, type BenchRecord, type Grid } from './report.ts';

/** Markdown table; `|` in cells escaped. */
export function markdownTable(g: Grid): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(esc).join(' | ')} |`;
  return [line(g.headers), line(g.headers.map(() => '---')), ...g.rows.map(line)].join('\n');
}

export function recordMarkdown(r: BenchRecord): string {
  const out: string[] = [];
  out.push(
    `Measured by \`npm run bench\`${r.quick ? ' --quick' : ''} on ${r.date.slice(0, 10)}: ${r.adapter}, ${r.cpuCores} CPU cores, Node ${r.node}.`,
  );
  const peer = r.systems.find((s) => s.role === 'peer');
  if (peer) out.push(`Peer: ${peer.description ?? `unavailable (${peer.unavailable})`}.`);
  const busy = Math.max(r.loadAverage.start, r.loadAverage.end) > r.cpuCores + 0.5;
  out.push(
    `Load average ${r.loadAverage.start.toFixed(1)} at start, ${r.loadAverage.end.toFixed(1)} at end` +
      (busy
        ? ' (the machine was shared with other work: absolute times are inflated; ratios are from the same run).'
        : '.'),
  );
  if (r.results.length) {
    out.push('', markdownTable(measurementGrid(r.results)), '');
    out.push(
      'tok/s is examples/s for the MLP; peak MiB: live GPU buffer bytes over one step (* tfjs tensor bytes on the CPU backend).',
    );
    out.push('', markdownTable(ratioGrid(r.ratios)));
  }
  const ab = ablationGrid(r.results);
  if (ab) out.push('', 'ftl with its compile passes off (same run):', '', markdownTable(ab));
  if (r.methods?.length) {
    const full = r.results.find((m) => m.workload === 'gpt' && m.role === 'ftl');
    out.push(
      '',
      "Sparse-update methods on the same tiny GPT, ftl only, against ftl's full fine-tuning in the same run " +
        '(backward FLOPs and optimizer state from `ftl compile --report`; multi-stage methods: their first stage):',
      '',
      markdownTable(methodGrid(r.methods, full)),
    );
    const notes = methodNotes(r.methods);
    if (notes.length) out.push('', ...notes.map((n) => n.replace(/^\*/, '\\*')));
  }
  if (r.compileTime)
    out.push(
      '',
      'ms' in r.compileTime
        ? `Compiling a GPT-2-small recipe (12 layers, d 768): ${(r.compileTime.ms / 1000).toFixed(2)} s, ${r.compileTime.kernels} kernels per step.`
        : `GPT-2-small compile time: ${r.compileTime.unavailable}.`,
    );
  if (r.frontend) out.push('', `Front end: ${frontendLine(r.frontend)}.`);
  if (r.matmul)
    out.push(
      '',
      'Matmul GFLOP/s per codegen template (`bench/matmul.ts --quick`):',
      '',
      'lines' in r.matmul ? ['```', ...r.matmul.lines, '```'].join('\n') : r.matmul.unavailable,
    );
  return out.join('\n') + '\n';
}

function newestRecord(): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (!files.length) throw new Error(`no records in ${dir}: run npm run bench first`);
  return dir + files[files.length - 1];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? newestRecord();
  process.stdout.write(recordMarkdown(JSON.parse(readFileSync(file, 'utf8')) as BenchRecord));
}
