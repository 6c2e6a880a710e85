// The names every .ftl file can use without importing them, as one table the checker reads.
//
// To add a builtin: add one line to `builtinTable` with its signature in the small
// signature language below; the checker then knows the name, checks call arity, named
// arguments and (where given) argument types. `sig: null` means "known name, arguments
// not checked" (for builtins with irregular calling conventions). The implementation goes
// in the tracer's table (compiler/trace/builtins.ts) or a host layer's definitions;
// tests/check/builtin-tables.test.ts fails when a name is in only one of the two.
//
// Signature language: comma-separated parameters, each `name`, `name: type` (required) or
// `name?` / `name?: type` (optional); a leading `...` makes the parameter variadic
// (takes all remaining positionals). Types: int, float, bool, string, pattern, tensor,
// list, fn, any.
//
// Also here: the names implicitly in scope per kind of body (`step` in a schedule, `param`
// and `grad` in an optimizer, `base` in a wrap), recipe/stage keys, and type names.

export type SimpleType = 'int' | 'float' | 'bool' | 'string' | 'pattern' | 'tensor' | 'list' | 'fn' | 'any';

export interface BuiltinParam {
  readonly name: string;
  readonly type: SimpleType;
  readonly optional: boolean;
  readonly variadic: boolean;
}

export type BuiltinCategory = 'tensor' | 'init' | 'data' | 'model' | 'reward' | 'misc';

export interface Builtin {
  readonly name: string;
  readonly category: BuiltinCategory;
  readonly params: readonly BuiltinParam[] | null;
  readonly doc: string;
}

type Row = [name: string, category: BuiltinCategory, sig: string | null, doc: string];

// prettier-ignore
const builtinTable: Row[] = [
  // ─── elementwise math (host numbers stay on the host) ───
  ['exp', 'tensor', 'x', 'e^x'], ['log', 'tensor', 'x', 'natural log'], ['sqrt', 'tensor', 'x', 'square root'],
  ['tanh', 'tensor', 'x', 'tanh'], ['abs', 'tensor', 'x', '|x|'], ['sin', 'tensor', 'x', 'sine'], ['cos', 'tensor', 'x', 'cosine'],
  ['sigmoid', 'tensor', 'x', 'σ(x)'], ['relu', 'tensor', 'x', 'max(x, 0)'], ['gelu', 'tensor', 'x', 'GELU (tanh approximation)'],
  ['silu', 'tensor', 'x', 'x σ(x)'], ['log_sigmoid', 'tensor', 'x', 'log σ(x)'], ['floor', 'tensor', 'x', 'floor'],
  ['ceil', 'tensor', 'x', 'ceil'], ['round', 'tensor', 'x', 'round to nearest, halves up (compile-time numbers only)'], ['sign', 'tensor', 'x', 'sign'],
  ['detach', 'tensor', 'x', 'stop gradient'], ['clamp', 'tensor', 'x, min?: float, max?: float', 'clip into [min, max]'],
  ['pow', 'tensor', 'x, p', 'x^p'], ['where', 'tensor', 'cond, a, b', 'elementwise select'],
  ['float', 'tensor', 'x', 'to f32 / float'], ['int', 'tensor', 'x', 'to i32 / int (truncating)'],
  // ─── reductions and normalisation ───
  ['sum', 'tensor', 'x, axis?, keepdim?: bool', 'sum (of a tensor over axes, or of a list)'],
  ['mean', 'tensor', 'x, axis?, keepdim?: bool', 'mean'], ['max', 'tensor', 'x, y?, axis?, keepdim?: bool', 'max (reduce, or elementwise of two)'],
  ['min', 'tensor', 'x, y?, axis?, keepdim?: bool', 'min (reduce, or elementwise of two)'],
  ['argmax', 'tensor', 'x, axis?: int', 'index of the max'], ['topk_mask', 'tensor', 'x, k, axis?: int', '1 where x is among the k largest'],
  ['softmax', 'tensor', 'x, axis?: int', 'softmax over the last (or given) axis'],
  ['log_softmax', 'tensor', 'x, axis?: int', 'log softmax'], ['logsumexp', 'tensor', 'x, axis?: int, keepdim?: bool', 'log Σ exp'],
  ['layer_norm', 'tensor', 'x, weight?: tensor, bias?: tensor, eps?: float', 'layer normalisation over the last axis'],
  ['rms_norm', 'tensor', 'x, weight?: tensor, eps?: float', 'RMS normalisation over the last axis'],
  ['norm', 'tensor', 'x, axis?, keepdim?: bool', 'L2 norm'],
  // ─── construction, shape, indexing ───
  ['arange', 'tensor', 'n: int', '[0, 1, ..., n-1] as i32'], ['zeros', 'tensor', 'shape', 'a zero tensor'], ['ones', 'tensor', 'shape', 'a ones tensor'],
  ['zeros_like', 'tensor', 'x', 'zeros of x\'s shape'], ['ones_like', 'tensor', 'x', 'ones of x\'s shape'],
  ['randn_like', 'tensor', 'x, seed?', 'standard normal noise of x\'s shape'], ['rand_like', 'tensor', 'x, seed?', 'uniform [0,1) noise'],
  ['one_hot', 'tensor', 'x, classes: int', 'one-hot encoding'], ['concat', 'tensor', 'xs: list, axis?: int', 'concatenate along an axis'],
  ['reshape', 'tensor', null, 'reshape (dims as arguments or a list)'], ['permute', 'tensor', 'x, perm: list', 'permute axes'],
  ['transpose', 'tensor', 'x', 'swap the last two axes'], ['repeat_heads', 'tensor', null, 'repeat KV heads (grouped-query attention)'],
  ['rope', 'tensor', 'x, base?: float', 'rotary position embedding'], ['causal_mask', 'tensor', 'T', 'additive causal mask [T, T] (decoding: [T, cached keys])'],
  ['kv_cache', 'tensor', 'x', 'keys/values along axis -2 with the decode cache prepended (identity when not decoding)'],
  ['positions', 'tensor', 'T', 'absolute positions of the T current tokens (arange(T) when not decoding)'],
  ['kv_retain', 'tensor', 's', 'retention scores [..., T, kv heads] cached beside the keys/values for KV-budget eviction (identity when not decoding)'],
  ['decoding', 'misc', '', 'true while tracing a generation (KV-cache) step'],
  ['gather', 'tensor', 'x, index, axis?: int', 'gather along an axis'],
  ['scatter_add', 'tensor', 'index, updates, rows: int', 'out[index[i]] += updates[i] into [rows, ...] (inverse of the row gather)'],
  ['cumsum', 'tensor', 'x, axis?: int', 'inclusive prefix sum along an axis (default 0)'],
  ['route', 'tensor', 'mask, gate, capacity: int', 'per-expert token lists [index i32[E, cap], weight [E, cap]] of a [N, E] top-k mask; overflow dropped'],
  // ─── neural-net functions ───
  ['dropout', 'tensor', 'x, p?: float', 'dropout (identity when not training)'],
  ['cross_entropy', 'tensor', 'logits, targets, mask?, weights?, ignore_index?: int, reduction?: string', 'token cross-entropy'],
  ['mse', 'tensor', 'a, b', 'mean squared error'], ['kl_div', 'tensor', 'p_logits, q_logits, mask?, temperature?: float', 'KL(p || q) of logits'],
  ['seq_logprob', 'tensor', 'logits, tokens, mask?', 'Σ log p(token) per sequence'],
  ['token_logprob', 'tensor', 'logits, tokens', 'log p(token) per position'],
  ['attention', 'tensor', 'q, k, v, causal?: bool, mask?', 'scaled dot-product attention'],
  // ─── parameter initialisers (in `param ... init`) ───
  ['normal', 'init', 'mean?: float, std?: float', 'normal init'], ['uniform', 'init', 'low?: float, high?: float', 'uniform init'],
  ['kaiming_uniform', 'init', 'a?: float', 'PyTorch kaiming_uniform_'], ['constant', 'init', 'value?: float', 'constant init / constant schedule'],
  // ─── models, modules, methods ───
  ['modules', 'model', 'pattern?: pattern', 'the modules whose path matches'], ['params', 'model', 'pattern?: pattern', 'the parameters whose name matches'],
  ['reference', 'model', 'model', 'a frozen copy of the model from the stage start (forward only)'],
  ['hidden', 'model', 'model, tokens, at: pattern', 'the output of the module at a path (a hidden-state tap)'],
  ['load', 'model', 'path: string', 'a checkpoint (in a merge: its parameters as tensors)'],
  ['tap', 'model', 'name: string, x', 'record x under a name (a hidden-state tap); returns x'], ['taps', 'model', 'name: string', 'the tensors recorded by tap(name) so far in this trace'],
  ['has_param', 'model', 'm, name: string', 'whether module m has a parameter of that name'],
  ['last', 'misc', 'xs, n?: int', 'the last n items of a list'], ['first', 'misc', 'xs, n?: int', 'the first n items of a list'],
  ['len', 'misc', 'x', 'length of a list'], ['zip', 'misc', '...xs', 'pairs items of lists'], ['range', 'misc', 'a: int, b?: int', 'integers a .. b'],
  ['print', 'misc', null, 'debug print at trace time'],
  // ─── host-side inits and calibration passes, in method bodies (compiler/features/host-init.ts, calibration.ts) ───
  ['svd_init', 'init', 'p, r: int, part?: string', 'top-r SVD factor of a weight ("u", "s", "vt", "us", "svt"), computed at compile time'],
  ['spectrum', 'misc', 'p', 'singular values of a weight, descending'], ['copy_params', 'model', 'dst, src', 'module dst starts as a copy of module src'],
  ['calibration_tokens', 'data', 'data, batches?: int', 'the first batches of the recipe data, as a tensor the host can evaluate'],
  ['activation_svd', 'init', 'x, r: int', 'top-r right singular vectors of calibration activations (EVA)'],
  ['activation_spectrum', 'misc', 'x', 'explained variances of calibration activations'],
  ['bit_cipher_vectors', 'init', 'tokens, vocab: int, bits: int, window?: int, mode?: string', 'bit-cipher word vectors from calibration tokens'], ['reinit', 'model', 'p, init', 'replace a parameter initial value'],
  ['grad_of', 'tensor', 'y, x', 'd sum(y) / d x as a tensor expression (host statistics)'], ['host_eval', 'misc', 'x', 'x evaluated on the host over calibration inputs, as a list'],
  ['values_init', 'init', 'values: list', 'an init from a list of numbers'],
  ['eva_ranks', 'misc', 'xs: list, budget: int, max_rank?', 'ranks by explained-variance ratio within a budget (EVA)'],
  // ─── selection from weight statistics and costs, in method bodies (compiler/features/selection.ts) ───
  ['param_names', 'model', 'pattern?: pattern, ndim?: int', 'names of the matched parameters, in model order'],
  ['param_of', 'tensor', 'p', 'a parameter (name or pattern) as the tensor the traced model uses'],
  ['require', 'misc', 'cond: bool, message: string', 'an error diagnostic when cond is false (a method checks its arguments)'],
  ['numel', 'misc', 'p', 'number of entries of a parameter'], ['ndim', 'misc', 'p', 'number of axes of a parameter'],
  ['cond', 'misc', 'p', 'condition number sigma_max / sigma_min of a weight, at compile time'],
  ['principal_mask', 'misc', 'p, rank: int, density: float', 'flat indices of the top |W_r| entries (LIFT)'],
  ['magnitude_mask', 'misc', 'p, density: float', 'flat indices of the top |W| entries'],
  ['global_mask', 'misc', 'params: list, count: int, by?: string', 'one top-count ranking over all entries of several parameters ("delta", "magnitude", "gradient"): a list of flat-index lists'],
  ['delta_mask', 'misc', 'p, density: float', 'flat indices of the top |W_now - W_init| entries (needs withWeights)'],
  ['spiel_mask', 'misc', 'p, density: float, regrow?: float', 'SpIEL prune-by-delta / regrow-by-gradient indices'],
  ['grad_sum', 'misc', 'p', 'summed accumulated |gradient| of a parameter (needs gradient statistics)'],
  ['random_mask', 'misc', 'p, density: float, seed?: int', 'random flat indices'], ['random_cols', 'misc', 'p, count: int, seed?: int', 'flat indices of random columns'],
  ['random_indices', 'misc', 'n: int, count: int, seed?: int, salt?: string', 'sorted distinct random indices'],
  ['path_of', 'misc', 'm', 'a module path'], ['sample', 'misc', 'xs, k: int, seed?: int', 'k seeded-random items in list order'],
  ['lowest', 'misc', 'xs, k: int, key: fn', 'k items with the lowest key'], ['highest', 'misc', 'xs, k: int, key: fn', 'k items with the highest key'],
  ['knapsack', 'misc', 'xs, cost: fn, value: fn, budget: float', 'the exact 0/1 knapsack optimum'],
  ['layered_knapsack', 'misc', 'xs, cost: fn, value: fn, budget?: float, ratio?: float', 'optimum when training an item needs backward through all later items'],
  ['selector_matrix', 'tensor', 'indices, n: int', 'one-hot [n, k] column selector'], ['indicator', 'init', 'indices, shape', '1 at the flat indices, else 0'],
  ['co_permute', 'model', 'indices, targets', 'move channels to the front of coupled weights (function unchanged)'],
  ['bytes', 'misc', 'size', 'a memory size such as "2MB"'],
  ['value_of', 'misc', 'p', "a parameter's current value as a flat list (also an earlier stage's parameter by exact name)"],
  ['group_norms', 'misc', 'xs: list, groups: int', 'L2 norm of each of groups equal consecutive chunks of a list'],
  // ─── correlation statistics over host lists, in method bodies (compiler/features/host-stats.ts) ───
  ['pearson', 'misc', 'xs: list, ys: list', 'Pearson correlation of two lists of numbers'],
  ['column_correlations', 'misc', 'rows: list, ys: list', 'Pearson r of every column of n x d rows with ys'],
  ['probe_r2', 'misc', 'rows: list, ys: list, ridge?: float', 'R^2 of a ridge linear probe predicting ys from n x d rows'],
  // ─── data pipeline stages (`text(...) |> tokenize(...) |> batch(8)`) ───
  ['synthetic_classification', 'data', 'n: int, dim: int, classes: int, seed?: int', 'seeded toy classification data: x f32[B, dim], label i32[B] (compiler/train/synthetic.ts)'],
  ['text', 'data', 'path: string, documents?: string', 'lines of a text file'], ['jsonl', 'data', 'path: string, shape?: string', 'records of a JSON-lines file'],
  ['parquet', 'data', 'path: string, shape?: string, columns?: string', 'records of a Parquet file (columns: "field=column, ...")'],
  ['tokenize', 'data', 'src, tokenizer, field?: string, template?: string, eos?: bool, bos?: bool', 'tokenize records (template: "model" or Jinja text: chat template, loss on assistant turns)'],
  ['chunks', 'data', 'src, seq: int, stride?: int', 'pack tokens into fixed-length chunks'],
  ['shuffle', 'data', 'src, seed?: int, buffer?: int', 'seeded shuffle'], ['batch', 'data', 'src, size?: int, drop_last?: bool', 'group into batches'],
  ['prompt', 'data', 'src, template, field?: string', 'render a prompt template'],
  ['chat', 'data', 'src, template, system?: string', 'render a chat template with loss masks on assistant turns'],
  ['pad', 'data', 'src, seq: int, truncate?: string', 'pad (or cut) to seq tokens with a loss mask'],
  ['filter', 'data', 'src, keep: fn', 'keep records where keep(record) is true'], ['map', 'data', 'src, f: fn', 'transform records'],
  ['take', 'data', 'src, n: int', 'the first n records'], ['repeat', 'data', 'src, times?: int', 'repeat the dataset'],
  ['repeat_each', 'data', 'src, n: int', 'each item n times in a row before the next (a depth-first order)'],
  ['score', 'data', 'src, f: fn, as?: string', 'attach a per-example score field'],
  ['select_top', 'data', 'src, by: string, k?: int, fraction?: float', 'keep the best-scoring examples'],
  ['mix', 'data', '...sources, weights?: list, seed?: int', 'interleave sources'],
  ['pairs', 'data', 'src, chosen?: string, rejected?: string', 'preference pairs (chosen/rejected)'],
  ['generate', 'data', 'src, model, k?: int, max_tokens?: int, temperature?: float, top_k?: int, top_p?: float, seed?: int', 'sample completions (KV cache)'],
  ['reward', 'data', 'src, f: fn, as?: string', 'attach rewards from a reward function'],
  ['group_advantage', 'data', 'src, by?: string, normalize?: bool', 'GRPO group-relative advantages'],
  // ─── reward functions (for `generate |> reward(...)` and losses) ───
  ['exact_match', 'reward', 'a, b', '1 if equal'], ['numeric_answer', 'reward', 'text', 'the last number in a text'],
  ['answer', 'reward', 'text', 'the final answer in a text'], ['regex_match', 'reward', 'text, pattern: string', '1 if the regex matches'],
  ['bleu', 'reward', 'hyp, ref', 'sentence BLEU'], ['rouge_l', 'reward', 'hyp, ref', 'ROUGE-L F1'], ['length', 'reward', 'text', 'token count'],
  ['unit_tests', 'reward', 'code, tests, timeout?: float', 'fraction of unit tests passing (sandboxed)'],
  ['plugin', 'reward', 'name: string', 'a user plugin passed with --plugin'],
];

/**
 * Names the language declares (LANGUAGE.md, the tests/samples recipes check against them)
 * that no compiler layer implements yet: the checker accepts them and hover says so, and
 * tracing a call fails with "not defined". tests/check/builtin-tables.test.ts keeps this
 * list equal to what is really missing, so implementing one means deleting it here.
 */
// prettier-ignore
export const plannedBuiltins: ReadonlySet<string> = new Set([
  // data pipeline stages beyond compiler/train/data-spec.ts SOURCES / TRANSFORMS
  'prompt', 'chat', 'filter', 'map', 'repeat', 'score', 'select_top', 'mix', 'pairs', 'generate',
  'reward', 'group_advantage',
  // reward functions
  'exact_match', 'numeric_answer', 'answer', 'regex_match', 'bleu', 'rouge_l', 'length',
  'unit_tests', 'plugin',
]);

function parseSig(sig: string): BuiltinParam[] {
  if (sig.trim() === '') return [];
  return sig.split(',').map((part) => {
    const m = /^\s*(\.\.\.)?([A-Za-z_]\w*)(\?)?\s*(?::\s*(\w+))?\s*$/.exec(part);
    if (!m) throw new Error(`builtins.ts: bad signature part \`${part}\``);
    return {
      name: m[2]!,
      type: (m[4] ?? 'any') as SimpleType,
      optional: m[3] === '?' || m[1] === '...',
      variadic: m[1] === '...',
    };
  });
}

export const builtins: ReadonlyMap<string, Builtin> = new Map(
  builtinTable.map(([name, category, sig, doc]) => [
    name,
    {
      name,
      category,
      params: sig === null ? null : parseSig(sig),
      doc: plannedBuiltins.has(name) ? `${doc} (planned: not implemented yet)` : doc,
    },
  ]),
);

/** Host constants. */
export const builtinConstants: readonly string[] = ['pi', 'e', 'inf'];

/** `train(...)` in a recipe or stage. */
export const trainParams = parseSig(
  // Exactly what the trainer reads (compiler/train/build.ts trainSpecOf): a key it would
  // ignore must be an error here, not a silent no-op.
  'steps?: int, log_every?: int, eval_every?: int, save?: string, save_every?: int, clip?: float, accumulate?: int, reselect_every?: int, reselect_batches?: int',
);

/** Keys a recipe or stage may set (`key = value`). */
export const recipeKeys: readonly string[] = [
  'model',
  'data',
  'loss',
  'optim',
  'gradient',
  'eval',
  'eval_data',
  'seed',
  'teacher',
  'reference',
  'reward',
  'tokenizer',
  'precision',
  'output',
  'batch_size',
  'grad_clip',
  'max_steps',
];

/** Members every model declaration has (`gpt2.load("path")`). */
export const modelMembers = new Map<string, readonly BuiltinParam[]>([
  ['load', parseSig('path: string, config?')],
  ['config', parseSig('...overrides')],
]);

/** Names in scope without declaration, by the kind of declaration whose body it is. */
export const implicitNames: Readonly<Record<string, readonly string[]>> = {
  ModuleDecl: [],
  ModelDecl: [],
  MethodDecl: ['model', 'data', 'loss', 'optim', 'gradient', 'step'],
  LossDecl: ['step', 'training'],
  OptimizerDecl: ['param', 'grad', 'step', 'name'],
  GradientDecl: ['trainable', 'loss', 'grad', 'step', 'model', 'batch'],
  ScheduleDecl: ['step', 'steps'],
  FnDecl: [],
  MergeDecl: [],
  RecipeDecl: ['step'],
  /** inside `wrap m(x) = ...` */
  Wrap: ['base'],
  /** inside `stage s { ... }`: the previous stages' outputs are their names */
  Stage: [],
};

/** Types written by name. Declarations (modules, models, ...) are types too. */
export const typeNames: readonly string[] = [
  'int',
  'float',
  'bool',
  'string',
  'pattern',
  'schedule',
  'model',
  'module',
  'tensor',
  'fn',
  'batch',
  'data',
  'any',
];

/**
 * Names other trainers use for parameters ftl spells differently (Hugging Face / PEFT /
 * YAML configs), so a named argument `learning_rate:` gets "did you mean `lr`?" even though
 * the two are not close as strings. Each maps to the ftl names it may stand for.
 */
export const argumentAliases: Readonly<Record<string, readonly string[]>> = {
  learning_rate: ['lr'],
  rank: ['r'],
  lora_r: ['r'],
  lora_rank: ['r'],
  lora_alpha: ['alpha'],
  lora_dropout: ['dropout', 'lora_dropout'],
  target_modules: ['targets'],
  target: ['targets'],
  max_steps: ['steps'],
  num_steps: ['steps'],
  total_steps: ['steps'],
  num_train_epochs: ['epochs'],
  warmup_steps: ['warmup'],
  wd: ['weight_decay'],
  seq_len: ['seq'],
  seq_length: ['seq'],
  max_length: ['seq', 'max_tokens'],
  max_new_tokens: ['max_tokens'],
  batch_size: ['size'],
  gradient_accumulation_steps: ['grad_accum'],
  logging_steps: ['log_every'],
  eval_steps: ['eval_every'],
  save_steps: ['save_every'],
  output_dir: ['save'],
  num_return_sequences: ['k'],
  num_samples: ['k'],
  // recipe keys
  optimizer: ['optim'],
  dataset: ['data'],
  train_dataset: ['data'],
  objective: ['loss'],
  base_model: ['model'],
  model_name_or_path: ['model'],
};

/** Element types of tensor types `f32[...]`. */
export const dtypes: readonly string[] = ['f32', 'f16', 'bf16', 'i32', 'bool'];
