// `ftl lsp`: the language server, speaking LSP over stdin/stdout (cli/lsp/). Editors start
// it; see docs/editors.md. Exits 0 after `shutdown` + `exit`, 1 on `exit` without shutdown
// or when the client closes the stream.

import type { Command } from 'commander';
import { runStdioServer } from '../lsp/transport.ts';

export function register(program: Command): void {
  program
    .command('lsp')
    .description('run the language server over stdio (for editors: diagnostics, hover, completion, ...)')
    .option('--stdio', 'talk over stdin/stdout (the default and only transport)')
    .action(async () => {
      const code = await runStdioServer();
      // let the last response leave the pipe before exiting
      process.stdout.write('', () => process.exit(code));
    });
}
