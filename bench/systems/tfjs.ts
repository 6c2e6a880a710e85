// Load the peer (bench/peer/, TensorFlow.js) as bench Systems. The import path is computed so
// the main project's typecheck does not follow it into bench/node_modules, which exists only
// after `npm ci --prefix bench` (bench/bench.sh runs it on demand).

import type { System, Unavailable } from './types.ts';

type DawnBackend = 'vulkan' | 'metal' | 'd3d12' | 'opengles';

interface PeerModule {
  createTfjsSystem(backend: 'webgpu' | 'cpu', dawn: DawnBackend): Promise<System>;
}

const PEER = new URL('../peer/index.ts', import.meta.url).href;

export async function tfjsSystems(
  dawn: DawnBackend | null,
  which: Set<string>,
): Promise<(System | Unavailable)[]> {
  let peer: PeerModule;
  try {
    peer = (await import(PEER)) as PeerModule;
  } catch (e) {
    const why = `TensorFlow.js not installed (run: npm ci --prefix bench): ${(e as Error).message.split('\n')[0]}`;
    const both: Unavailable[] = [
      { name: 'tfjs-webgpu', role: 'peer', unavailable: why },
      { name: 'tfjs-cpu', role: 'reference', unavailable: why },
    ];
    return both.filter((s) => which.has(s.name));
  }
  const out: (System | Unavailable)[] = [];
  if (which.has('tfjs-webgpu')) {
    if (!dawn) out.push({ name: 'tfjs-webgpu', role: 'peer', unavailable: 'no WebGPU adapter' });
    else out.push(await start('tfjs-webgpu', 'peer', () => peer.createTfjsSystem('webgpu', dawn)));
  }
  if (which.has('tfjs-cpu'))
    out.push(await start('tfjs-cpu', 'reference', () => peer.createTfjsSystem('cpu', dawn ?? 'opengles')));
  return out;
}

async function start(
  name: string,
  role: System['role'],
  f: () => Promise<System>,
): Promise<System | Unavailable> {
  try {
    return await f();
  } catch (e) {
    return { name, role, unavailable: (e as Error).message.split('\n')[0] };
  }
}
