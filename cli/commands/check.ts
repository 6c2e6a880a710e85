// `ftl check PATH... [--format json]`: parse and check .ftl files (a folder: every .ftl
// file under it), print every diagnostic
// as a code frame (or one JSON document for tools), exit status 1 when any file has an
// error. Unreadable files are reported as errors too, never as a stack trace.

import type { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { ftlFilesUnder } from '../../compiler/check/ftl-files.ts';
import { join } from 'node:path';
import { checkSource } from '../../compiler/check/index.ts';
import { diagnosticToJson, formatDiagnostic } from '../../compiler/diagnostics/codeframe.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { diag } from '../../compiler/diagnostics/catalogue.ts';

export interface CheckFilesResult {
  readonly files: { file: string; diagnostics: Diagnostic[]; source?: string }[];
  readonly errors: number;
  readonly warnings: number;
}

/** Folders stand for every `.ftl` file under them (sorted, so output is stable). */
function expand(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      return [p]; // reported as unreadable below
    }
    return dir ? ftlFilesUnder(p) : [p];
  });
}

/** Check files and folders (the command's logic, callable from tests and other commands). */
export function checkFiles(paths: readonly string[]): CheckFilesResult {
  const files = expand(paths);
  const out: CheckFilesResult['files'] = [];
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      out.push({ file, diagnostics: [diag('unreadable-file', `cannot read ${file}: ${reason}`, undefined)] });
      errors++;
      continue;
    }
    const { diagnostics } = checkSource(source, file);
    errors += diagnostics.filter((d) => d.severity === 'error').length;
    warnings += diagnostics.filter((d) => d.severity === 'warning').length;
    out.push({ file, diagnostics, source });
  }
  return { files: out, errors, warnings };
}

export function register(program: Command): void {
  program
    .command('check')
    .description('parse and check .ftl files; exit status 1 on errors')
    .argument('<paths...>', '.ftl files, or folders to check every .ftl file under')
    .option('--format <format>', 'output format: text or json', 'text')
    .action((paths: string[], opts: { format: string }) => {
      const r = checkFiles(paths);
      if (opts.format === 'json') {
        const doc = {
          files: r.files.map((f) => ({ file: f.file, diagnostics: f.diagnostics.map(diagnosticToJson) })),
          errors: r.errors,
          warnings: r.warnings,
        };
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      } else {
        const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
        for (const f of r.files) {
          const sources = new Map(f.source !== undefined ? [[f.file, f.source]] : []);
          for (const d of f.diagnostics)
            process.stdout.write(formatDiagnostic(d, { sources, color }) + '\n\n');
        }
        const n = r.files.length;
        const plural = (k: number, w: string): string => `${k} ${w}${k === 1 ? '' : 's'}`;
        process.stdout.write(
          `${plural(n, 'file')} checked: ${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}\n`,
        );
      }
      if (r.errors > 0) process.exitCode = 1;
    });
}
