// Runs a Server over stdin/stdout: frames in, frames out. Nothing else may write to stdout
// (it would corrupt the stream), so console.log/info/warn are redirected to stderr, which
// editors show as the server's log.

import { encodeMessage, MessageReader, type Message } from './jsonrpc.ts';
import { Server } from './server.ts';

export function runStdioServer(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const log = (line: string) => process.stderr.write(`[ftl lsp] ${line}\n`);
  console.log = console.info = console.warn = (...xs: unknown[]) => log(xs.map(String).join(' '));
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      input.removeAllListeners('data');
      resolve(code);
    };
    const server = new Server({
      send: (m: Message) => output.write(encodeMessage(m)),
      exit: finish,
      log,
    });
    const reader = new MessageReader((why) => log(`bad message: ${why}`));
    // handle messages in arrival order, one at a time (formatting is async)
    let queue = Promise.resolve();
    input.on('data', (chunk: Buffer) => {
      for (const m of reader.feed(chunk)) queue = queue.then(() => server.handle(m));
    });
    // the client went away without `exit`: per the protocol, exit 1 unless shut down
    input.on('end', () => queue.then(() => finish(1)));
  });
}
