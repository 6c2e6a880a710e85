// `ftl fmt FILE... [--check] [--write]`: the canonical layout of .ftl files (grammar/format/).
//
//   ftl fmt a.ftl            prints the formatted text (of every file, in order)
//   ftl fmt --check a.ftl    lists the files that are not formatted; exit 1 if any
//   ftl fmt --write a.ftl    rewrites the files that change (write to a temporary file, then rename)
//   ftl fmt - < a.ftl        formats standard input (for editors); with --write it is printed
//
// Never loses user text: a file with syntax errors is reported with its diagnostics (code
// frame) and never rewritten; a formatter bug (the output would not parse to the same program
// or would drop a comment) is reported and the file is left alone. Any such file makes the
// exit status 1.

import type { Command } from 'commander';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { formatDiagnostics } from '../../compiler/diagnostics/codeframe.ts';
import { formatFtl } from '../../grammar/format/format.ts';

export interface FmtOptions {
  readonly check?: boolean;
  readonly write?: boolean;
  /** Where `-` reads from (standard input by default; tests pass text). */
  readonly stdin?: () => Promise<string>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface FmtOutcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Formats `files` as the command does, returning what it would print and its exit status. */
export async function fmtFiles(files: readonly string[], opts: FmtOptions = {}): Promise<FmtOutcome> {
  let printed = ''; // the formatted texts, exactly
  const out: string[] = []; // status lines
  const err: string[] = [];
  let failed = false;
  const unformatted: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? await (opts.stdin ?? readStdin)() : await readFile(file, 'utf8');
    } catch (e) {
      err.push(`error: cannot read ${file}: ${(e as Error).message}`);
      failed = true;
      continue;
    }
    const name = file === '-' ? '<stdin>' : file;
    const r = await formatFtl(text, name);
    if (!r.ok) {
      failed = true;
      if (r.internalError)
        err.push(
          `error: ${name}: ${r.internalError}; the file is left unchanged (a formatter bug: please report it)`,
        );
      else
        err.push(
          `${formatDiagnostics(r.diagnostics, { sources: { [name]: text } })}\n${name}: not formatted (syntax errors)`,
        );
      continue;
    }
    if (opts.check) {
      if (r.changed) unformatted.push(name);
    } else if (opts.write && file !== '-') {
      if (r.changed) {
        const tmp = `${file}.ftl-fmt-${process.pid}.tmp`;
        await writeFile(tmp, r.formatted, 'utf8');
        await rename(tmp, file);
        out.push(`formatted ${file}`);
      }
    } else printed += r.formatted;
  }
  if (opts.check) {
    out.push(...unformatted);
    err.push(
      unformatted.length === 0
        ? `${files.length} file${files.length === 1 ? '' : 's'} formatted`
        : `${unformatted.length} of ${files.length} file${files.length === 1 ? '' : 's'} not formatted: run \`ftl fmt --write\``,
    );
  }
  const join = (xs: string[]) => (xs.length > 0 ? xs.join('\n') + '\n' : '');
  return {
    exitCode: failed || unformatted.length > 0 ? 1 : 0,
    stdout: printed + join(out),
    stderr: join(err),
  };
}

export function register(program: Command): void {
  program
    .command('fmt')
    .description('format .ftl files in the canonical style, keeping every comment')
    .argument('<files...>', '.ftl files (`-` reads standard input)')
    .option('--check', 'list the files that are not formatted and exit 1 if there are any')
    .option('--write', 'rewrite the files in place')
    .action(async (files: string[], opts: FmtOptions) => {
      if (opts.check && opts.write) {
        console.error('error: use either --check or --write');
        process.exitCode = 2;
        return;
      }
      const r = await fmtFiles(files, opts);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      if (r.exitCode !== 0) process.exitCode = r.exitCode;
    });
}
