// The WebGPU executor: runs a Plan on one GPUDevice.
//
// load: every buffer, pipeline (cached by WGSL text, so identical kernels share one) and bind
// group is created once. step: the whole step program (dispatches in order, then the update
// copies) is encoded in ONE command encoder and submitted ONCE; nothing is read back.
// readOutputs: copies only the requested outputs to staging buffers and maps them.
//
// Host arrays: f32 tensors as Float32Array, i32 as Int32Array; bool tensors are stored as
// i32 0/1 (compiler/codegen/kernel.ts) and accept Int32Array or Uint8Array.

import type { Plan, PlanBuffer } from '../../compiler/plan/plan.ts';
import { dispatchCount } from '../../compiler/plan/plan.ts';
import { declareBindings, toGPULayoutEntry } from '../../compiler/codegen/kernel.ts';
import type { Executor, HostArray } from '../executor.ts';

type Readable = Float32Array | Int32Array;
const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const MAP_READ = 0x01;
const COPY_DST = 0x08;
const COMPUTE_STAGE = 0x4;

export class WebGPUExecutor implements Executor {
  readonly description: string;
  readonly dispatchesPerStep: number;
  private readonly buffers: GPUBuffer[];
  private readonly arenas: GPUBuffer[];
  private readonly program: ((pass: GPUComputePassEncoder) => void)[] = [];
  /**
   * The step in plan order: runs of dispatches (indices into `program`, one compute pass
   * each), each followed by the copies that come after it. Copies can sit between dispatches
   * (update commits hoisted by compiler/plan/commits.ts): a later kernel may reuse the
   * arena bytes of a value already committed, so the order must be kept.
   */
  private readonly segments: {
    from: number;
    to: number;
    copies: { src: number; dst: number; size: number }[];
  }[] = [];
  private readonly byName = new Map<string, PlanBuffer>();
  private readonly outputsByName = new Map<string, PlanBuffer>();
  private readonly inFlight: Promise<void>[] = [];

  private constructor(
    readonly plan: Plan,
    readonly device: GPUDevice,
    description: string,
  ) {
    this.description = description;
    this.dispatchesPerStep = dispatchCount(plan);
    // Memory-planned temps are ranges of an arena; every other buffer is its own GPUBuffer.
    this.arenas = (plan.arenas ?? []).map((a) =>
      device.createBuffer({ size: align4(a.byteSize), usage: STORAGE_USAGE }),
    );
    this.buffers = plan.buffers.map((b) =>
      b.arena !== undefined
        ? this.arenas[b.arena]
        : device.createBuffer({ size: align4(b.byteSize), usage: STORAGE_USAGE }),
    );
    for (const p of plan.params) this.byName.set(`param:${p.name}`, plan.buffers[p.buffer]);
    for (const s of plan.inputs) this.byName.set(`input:${s.name}`, plan.buffers[s.buffer]);
    for (const s of plan.outputs) this.outputsByName.set(s.name, plan.buffers[s.buffer]);
  }

  /** Create everything the plan needs; rejects with Dawn's message if a kernel fails to compile. */
  static async load(plan: Plan, device: GPUDevice, description = 'webgpu'): Promise<WebGPUExecutor> {
    const ex = new WebGPUExecutor(plan, device, description);
    const pipelines = new Map<string, Promise<{ pipe: GPUComputePipeline; layout: GPUBindGroupLayout }>>();
    const compile = async (k: Plan['kernels'][number]) => {
      // Explicit layouts from the plan's binding list (not 'auto', which drops unused bindings).
      const layout = device.createBindGroupLayout({
        entries: declareBindings(k.bindings).layout.map((e) => toGPULayoutEntry(e, COMPUTE_STAGE)),
      });
      const module = device.createShaderModule({ code: k.wgsl });
      try {
        const pipe = await device.createComputePipelineAsync({
          layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
          compute: { module, entryPoint: k.entryPoint },
        });
        ex.pipelineCount++;
        return { pipe, layout };
      } catch (e) {
        throw new Error(`WebGPU rejected kernel ${k.name}: ${(e as Error).message}\n${k.wgsl}`);
      }
    };
    // Identical WGSL gets one pipeline (the layout is part of the WGSL's declarations).
    for (const k of plan.kernels) if (!pipelines.has(k.wgsl)) pipelines.set(k.wgsl, compile(k));
    const kernels = await Promise.all(
      plan.kernels.map(async (k) => {
        const { pipe, layout } = await pipelines.get(k.wgsl)!;
        const bindGroup = device.createBindGroup({
          layout,
          entries: k.bindings.map((b, i) => ({ binding: i, resource: ex.range(b.buffer) })),
        });
        return { pipe, bindGroup, dispatch: k.dispatch };
      }),
    );
    for (const s of plan.step) {
      const last = ex.segments[ex.segments.length - 1];
      if (s.op === 'copy') {
        const copy = { src: s.src, dst: s.dst, size: align4(s.byteSize) };
        if (last) last.copies.push(copy);
        else ex.segments.push({ from: 0, to: 0, copies: [copy] });
        continue;
      }
      const k = kernels[s.kernel];
      ex.program.push((pass) => {
        pass.setPipeline(k.pipe);
        pass.setBindGroup(0, k.bindGroup);
        pass.dispatchWorkgroups(k.dispatch[0], k.dispatch[1], k.dispatch[2]);
      });
      // A dispatch after copies opens a new pass; otherwise it extends the current one.
      if (!last || last.copies.length)
        ex.segments.push({ from: ex.program.length - 1, to: ex.program.length, copies: [] });
      else last.to = ex.program.length;
    }
    return ex;
  }

  /** Pipelines created at load (kernels with identical WGSL share one). */
  pipelineCount = 0;

  setParam(name: string, value: Float32Array | Int32Array): void {
    this.write(this.need(`param:${name}`, 'parameter'), value);
  }

  async getParam(name: string): Promise<Float32Array> {
    const b = this.need(`param:${name}`, 'parameter');
    const v = (await this.readBuffers([b.id]))[0];
    return v instanceof Float32Array ? v : Float32Array.from(v);
  }

  setInput(name: string, value: HostArray | Uint8Array): void {
    this.write(this.need(`input:${name}`, 'input'), value);
  }

  /** Encode the whole step in one encoder, submit once. Resolves once submitted (see back-pressure). */
  async step(): Promise<void> {
    // Back-pressure: a loop that never reads back would queue steps without bound. Let at
    // most MAX_IN_FLIGHT steps be queued (the GPU still overlaps with host work on the next).
    while (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
    const enc = this.device.createCommandEncoder();
    for (const seg of this.segments) {
      if (seg.to > seg.from) {
        // One pass per run: WebGPU orders dispatches in a pass and makes storage writes visible to later ones.
        const pass = enc.beginComputePass();
        for (let i = seg.from; i < seg.to; i++) this.program[i](pass);
        pass.end();
      }
      for (const c of seg.copies)
        enc.copyBufferToBuffer(
          this.buffers[c.src],
          this.offset(c.src),
          this.buffers[c.dst],
          this.offset(c.dst),
          c.size,
        );
    }
    this.device.queue.submit([enc.finish()]);
    this.inFlight.push(this.device.queue.onSubmittedWorkDone().catch(() => undefined)); // device lost: nothing to wait for
  }

  /**
   * Wall time of each dispatch run alone (submit, wait), in step order: a coarse profile for
   * finding slow kernels. Runs one extra step's worth of kernels (without the update copies).
   */
  async profile(): Promise<{ kernel: number; name: string; ms: number }[]> {
    const out: { kernel: number; name: string; ms: number }[] = [];
    const dispatches = this.plan.step.filter(
      (s): s is { op: 'dispatch'; kernel: number } => s.op === 'dispatch',
    );
    for (let i = 0; i < this.program.length; i++) {
      const t0 = performance.now();
      const enc = this.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      this.program[i](pass);
      pass.end();
      this.device.queue.submit([enc.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      const k = dispatches[i].kernel;
      out.push({ kernel: k, name: this.plan.kernels[k].name, ms: performance.now() - t0 });
    }
    return out;
  }

  /** Read the named outputs of the last step (f32 outputs as Float32Array). */
  async readOutputs(names: readonly string[]): Promise<Record<string, Float32Array>> {
    const bufs = names.map((n) => {
      const b = this.outputsByName.get(n);
      if (!b)
        throw new Error(
          `the plan has no output named '${n}' (has: ${[...this.outputsByName.keys()].join(', ')})`,
        );
      return b.id;
    });
    const vals = await this.readBuffers(bufs);
    return Object.fromEntries(
      names.map((n, i) => [
        n,
        vals[i] instanceof Float32Array ? (vals[i] as Float32Array) : Float32Array.from(vals[i]),
      ]),
    );
  }

  /** Raw contents of plan buffers, typed by dtype (bool as Int32Array 0/1). For tests and tools. */
  async readBuffers(ids: readonly number[]): Promise<Readable[]> {
    const enc = this.device.createCommandEncoder();
    const staging = ids.map((id) => {
      const size = align4(this.plan.buffers[id].byteSize);
      const s = this.device.createBuffer({ size, usage: MAP_READ | COPY_DST });
      enc.copyBufferToBuffer(this.buffers[id], this.offset(id), s, 0, size);
      return s;
    });
    this.device.queue.submit([enc.finish()]);
    return Promise.all(
      staging.map(async (s, i) => {
        await s.mapAsync(1 /* GPUMapMode.READ */);
        const b = this.plan.buffers[ids[i]];
        const n = b.shape.reduce((a, x) => a * x, 1);
        const raw = s.getMappedRange().slice(0, n * 4);
        s.unmap();
        s.destroy();
        return b.dtype === 'f32' ? new Float32Array(raw) : new Int32Array(raw);
      }),
    );
  }

  /** Fill a plan buffer (tests poison outputs and temps with NaN through this). */
  writeBuffer(id: number, value: Float32Array | Int32Array): void {
    this.device.queue.writeBuffer(
      this.buffers[id],
      this.offset(id),
      value.buffer,
      value.byteOffset,
      value.byteLength,
    );
  }

  destroy(): void {
    for (const b of new Set(this.buffers)) b.destroy();
  }

  private offset(id: number): number {
    return this.plan.buffers[id].offset ?? 0;
  }

  /** The binding resource of a plan buffer: a whole buffer, or its range of an arena. */
  private range(id: number): GPUBufferBinding {
    const b = this.plan.buffers[id];
    return b.arena === undefined
      ? { buffer: this.buffers[id] }
      : { buffer: this.buffers[id], offset: b.offset, size: align4(b.byteSize) };
  }

  private need(key: string, what: string): PlanBuffer {
    const b = this.byName.get(key);
    if (!b) throw new Error(`the plan has no ${what} named '${key.slice(key.indexOf(':') + 1)}'`);
    return b;
  }

  private write(b: PlanBuffer, value: Float32Array | Int32Array | Uint8Array): void {
    const n = b.shape.reduce((a, x) => a * x, 1);
    if (value.length !== n)
      throw new Error(
        `${b.name}: got ${value.length} elements, expected ${n} (${b.dtype}[${b.shape.join(',')}])`,
      );
    const data = b.dtype === 'f32' ? toF32(value) : Int32Array.from(value as ArrayLike<number>);
    this.writeBuffer(b.id, data);
  }
}

const MAX_IN_FLIGHT = 2;
const align4 = (n: number) => Math.max(4, Math.ceil(n / 4) * 4);
const toF32 = (v: Float32Array | Int32Array | Uint8Array): Float32Array =>
  v instanceof Float32Array ? v : Float32Array.from(v);
