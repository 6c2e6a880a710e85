#!/usr/bin/env node
// The `ftl` command. Sources are TypeScript, run through tsx's loader: no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('./main.ts');
await main(process.argv);
