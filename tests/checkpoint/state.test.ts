// Training-state checkpoints: exact round trip, pointer moves only after a complete save, a crash
// mid-save (simulated by the leftovers it would leave) never loses the previous checkpoint,
// pruning, and PEFT adapter folders.
import { describe, it, expect, beforeEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { save, load, stepDirName, type TrainingState } from '../../runtime/checkpoint/state.ts';
import { writeAdapter, readAdapter, loraConfig, peftLoraName } from '../../runtime/checkpoint/adapter.ts';
import { f32, i32 } from '../../runtime/checkpoint/tensor.ts';
import { readSafetensors } from '../../runtime/checkpoint/safetensors.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-state-'));
});

function stateAt(step: number): TrainingState {
  const w = f32(
    [2, 3],
    [0.1, -0.2, 0.3, 1e-30, -0, 7].map((x) => x + step),
  );
  return {
    step,
    params: { 'blocks.0.q.lora_a': w, 'blocks.0.q.lora_b': f32([3], [step, 0, -step]) },
    optimizer: {
      name: 'adamw',
      slots: {
        m: { 'blocks.0.q.lora_a': f32([2, 3], [1, 2, 3, 4, 5, 6]) },
        v: { 'blocks.0.q.lora_a': f32([2, 3], [6, 5, 4, 3, 2, 1]) },
      },
      scalars: { beta1: 0.9, t: step },
    },
    rng: { seed: 42, counter: step * 3 },
    data: { epoch: 1, cursor: { offset: 1234 + step } },
    extra: { loss: 1.5 },
  };
}

const plain = (s: TrainingState) =>
  JSON.parse(
    JSON.stringify(s, (_k, v) => (v instanceof Float32Array || v instanceof Int32Array ? Array.from(v) : v)),
  );

describe('training checkpoints', () => {
  it('save -> load is exact', () => {
    const s = stateAt(100);
    const r = save(dir, s);
    expect(r.ok && r.value.path).toBe(path.join(dir, 'step-00000100'));
    const l = load(dir);
    if (!l.ok) throw new Error(l.diagnostics[0]!.message);
    expect(plain(l.value)).toEqual(plain(s));
    // -0 and the tiny value survive bit-exactly
    expect(Object.is(l.value.params['blocks.0.q.lora_a']!.data[4], -0 + 100)).toBe(true);
  });

  it('load picks the latest and prunes beyond keep', () => {
    for (const step of [10, 20, 30]) save(dir, stateAt(step), { keep: 2 });
    const l = load(dir);
    expect(l.ok && l.value.step).toBe(30);
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint.json', 'step-00000020', 'step-00000030']);
    // a step directory can be loaded directly
    const d = load(path.join(dir, 'step-00000020'));
    expect(d.ok && d.value.step).toBe(20);
  });

  it('a crash mid-save leaves the previous checkpoint loadable', () => {
    save(dir, stateAt(10));
    // Crash before the rename: a half-written temp directory.
    const tmp = path.join(dir, `.${stepDirName(20)}.tmp-99999`);
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'params.safetensors'), 'garbage');
    let l = load(dir);
    expect(l.ok && l.value.step).toBe(10);
    // Crash after the rename but before the pointer moved: the pointer still names step 10.
    fs.cpSync(path.join(dir, stepDirName(10)), path.join(dir, stepDirName(20)), { recursive: true });
    fs.writeFileSync(path.join(dir, stepDirName(20), 'params.safetensors'), 'garbage');
    l = load(dir);
    expect(l.ok && l.value.step).toBe(10);
    // Saving step 20 again replaces the broken directory.
    expect(save(dir, stateAt(20)).ok).toBe(true);
    l = load(dir);
    expect(l.ok && plain(l.value)).toEqual(plain(stateAt(20)));
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a crash while re-saving the same step falls back to the copy moved aside', () => {
    save(dir, stateAt(7));
    fs.renameSync(path.join(dir, stepDirName(7)), path.join(dir, `.${stepDirName(7)}.old-4242`));
    const l = load(dir);
    expect(l.ok && plain(l.value)).toEqual(plain(stateAt(7)));
  });

  it('missing or corrupt checkpoints are diagnostics', () => {
    const none = load(dir);
    expect(!none.ok && none.diagnostics[0]!.code).toBe('FTL0709');
    save(dir, stateAt(5));
    fs.writeFileSync(path.join(dir, 'step-00000005', 'state.json'), '{"format": "other"}');
    const bad = load(dir);
    expect(!bad.ok && bad.diagnostics[0]!.message).toContain('not an ftl training state');
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), '{"latest": "../etc"}');
    const ptr = load(dir);
    expect(!ptr.ok && ptr.diagnostics[0]!.message).toContain('checkpoint.json');
  });
});

describe('PEFT adapters', () => {
  it('writes renamed tensors and a LoRA config PEFT understands', () => {
    const a = f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const b = f32([4, 2], [8, 7, 6, 5, 4, 3, 2, 1]);
    const map = {
      'blocks.0.attn.q.lora_a': peftLoraName('model.layers.0.self_attn.q_proj', 'A'),
      'blocks.0.attn.q.lora_b': peftLoraName('model.layers.0.self_attn.q_proj', 'B'),
    };
    const cfg = loraConfig({ r: 2, alpha: 16, targetModules: ['q_proj'], baseModel: 'tiny-llama' });
    const w = writeAdapter(
      dir,
      { 'blocks.0.attn.q.lora_a': a, 'blocks.0.attn.q.lora_b': b, step: i32([1], [3]) },
      map,
      cfg,
    );
    expect(w.ok).toBe(true);
    const raw = readSafetensors(path.join(dir, 'adapter_model.safetensors'));
    if (!raw.ok) throw new Error('read');
    expect(Object.keys(raw.value.tensors).sort()).toEqual([
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
      'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
    ]);
    const cfgOnDisk = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
    expect(cfgOnDisk).toMatchObject({
      peft_type: 'LORA',
      r: 2,
      lora_alpha: 16,
      target_modules: ['q_proj'],
      task_type: 'CAUSAL_LM',
    });
    const back = readAdapter(dir);
    expect(
      back.ok &&
        Array.from(
          back.value.tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight']!.data,
        ),
    ).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });
});
