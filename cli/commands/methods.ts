// `ftl methods [NAME]`: the fine-tuning methods (and losses, optimizers, gradient
// estimators, schedules) the stdlib offers, from their `///` doc comments. With a name, the
// whole doc comment and the parameters of that declaration.

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ftlFilesUnder as ftlFiles } from '../../compiler/check/ftl-files.ts';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decl, Formal } from '../../grammar/ast.ts';
import { parse } from '../../grammar/index.ts';

const STDLIB = fileURLToPath(new URL('../../stdlib', import.meta.url));
const PLURAL: Record<string, string> = {
  method: 'methods',
  loss: 'losses',
  optimizer: 'optimizers',
  gradient: 'gradient estimators',
  schedule: 'schedules',
};
const LISTED = new Set(['MethodDecl', 'LossDecl', 'OptimizerDecl', 'GradientDecl', 'ScheduleDecl']);

export interface StdlibEntry {
  kind: string;
  name: string;
  module: string;
  doc: string;
  params: string[];
}

const formal = (f: Formal, src: string) => src.slice(f.span.start, f.span.end);

/** Every listed declaration of the stdlib, sorted by kind then name. */
export function stdlibEntries(dir = STDLIB): StdlibEntry[] {
  const out: StdlibEntry[] = [];
  for (const file of ftlFiles(dir)) {
    const src = readFileSync(file, 'utf8');
    const { ast } = parse(src, file);
    const module =
      'std.' +
      relative(dir, file)
        .replace(/\.ftl$/, '')
        .split('/')
        .join('.');
    for (const d of ast.decls as readonly Decl[]) {
      if (!LISTED.has(d.kind) || !('name' in d) || !d.name) continue;
      const params =
        'params' in d && Array.isArray(d.params) ? (d.params as Formal[]).map((f) => formal(f, src)) : [];
      out.push({
        kind: d.kind.replace(/Decl$/, '').toLowerCase(),
        name: (d.name as { name: string }).name,
        module,
        doc: d.doc ?? '',
        params,
      });
    }
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export function register(program: Command): void {
  program
    .command('methods')
    .description('list the stdlib fine-tuning methods, losses, optimizers and schedules')
    .argument('[name]', 'show one declaration in full')
    .option('--kind <kind>', 'only this kind: method, loss, optimizer, gradient, schedule')
    .option('--format <fmt>', 'text or json', 'text')
    .action((name: string | undefined, o: { kind?: string; format: string }) => {
      let entries = stdlibEntries();
      if (o.kind) entries = entries.filter((e) => e.kind === o.kind);
      if (name) {
        const e = entries.filter((x) => x.name === name);
        if (!e.length) {
          const close = entries
            .filter((x) => x.name.includes(name) || name.includes(x.name))
            .map((x) => x.name);
          console.error(
            `error: no stdlib method named \`${name}\`${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`,
          );
          process.exitCode = 1;
          return;
        }
        entries = e;
      }
      if (o.format === 'json') return console.log(JSON.stringify(entries, null, 2));
      if (name)
        for (const e of entries)
          console.log(`${e.kind} ${e.name}(${e.params.join(', ')})   import ${e.module}\n\n${e.doc}\n`);
      else {
        const w = Math.max(...entries.map((e) => e.name.length));
        let kind = '';
        for (const e of entries) {
          if (e.kind !== kind) console.log(`\n${PLURAL[(kind = e.kind)] ?? kind}`);
          console.log(`  ${e.name.padEnd(w)}  ${e.doc.split('\n')[0]}`);
        }
      }
    });
}
