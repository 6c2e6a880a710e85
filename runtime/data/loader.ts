// The data loader: a source and its stages composed into an endless stream of batches that
// crosses epochs by itself, with a position that a checkpoint stores and a resume restores, so a
// resumed run sees exactly the batches the uninterrupted run would have seen.
//
//   const r = pipeline(text('data/corpus.txt'), tokenize(tok), chunks({ seq: 128 }), shuffle({ seed: 0 }), batch(8));
//   if (!r.ok) report(r.diagnostics);
//   const loader = r.value;
//   const b = loader.next();          // Result<Batch>
//   const pos = loader.position();    // JSON, goes into TrainingState.data
//   loader.restore(pos);              // Result<void>
//
// Every user error (missing file, malformed record, bad option, no batch in a whole epoch) is a
// Diagnostic in a Result; nothing is thrown at the caller.

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { type Result, ok, catchDiagnostics, DiagnosticError, type JsonValue } from './result.ts';
import type { Batch, Cursor, Source, Stage } from './stage.ts';

/** A type alias (not an interface) so it is assignable to JsonValue for TrainingState.data. */
export type DataPosition = {
  /** The pipeline's description when the position was taken (checked on restore). */
  readonly pipeline: string;
  readonly epoch: number;
  /** Batches already delivered in this epoch. */
  readonly batch: number;
  readonly state: JsonValue;
};

const configError = (message: string, hint?: string): Diagnostic => ({
  code: 'FTL0742',
  severity: 'error',
  message,
  ...(hint ? { hint } : {}),
});

export class DataLoader {
  private epochNo = 0;
  private batchNo = 0;

  private readonly cursor: Cursor<Batch>;

  constructor(
    /** Opens a fresh cursor over the whole pipeline (the loader keeps one; counting opens another). */
    private readonly open: () => Cursor<Batch>,
    private readonly description: string,
  ) {
    this.cursor = open();
  }

  /** Batches in one epoch, by reading one epoch through a separate cursor (a full pass over
   *  the data; for schedules that need the total step count of `train(epochs: n)`). */
  batchesPerEpoch(): Result<number> {
    return catchDiagnostics(() => {
      const c = this.open();
      let n = 0;
      while (c.next() !== undefined) n++;
      return n;
    });
  }

  describe(): string {
    return this.description;
  }

  get epoch(): number {
    return this.epochNo;
  }

  /** Next batch; at the end of an epoch the pipeline restarts (reshuffled) and counts an epoch. */
  next(): Result<Batch> {
    return catchDiagnostics(() => {
      let b = this.cursor.next();
      if (b === undefined) {
        // A whole epoch, from its start, gave nothing: more epochs will not help.
        if (this.batchNo === 0) throw emptyError(this.description);
        this.epochNo++;
        this.batchNo = 0;
        this.cursor.rewind(this.epochNo);
        b = this.cursor.next();
        if (b === undefined) throw emptyError(this.description);
      }
      this.batchNo++;
      return b;
    });
  }

  position(): DataPosition {
    return {
      pipeline: this.description,
      epoch: this.epochNo,
      batch: this.batchNo,
      state: this.cursor.save(),
    };
  }

  /** Continue from a saved position; refuses a position taken on a different pipeline. */
  restore(pos: JsonValue): Result<void> {
    const p = pos as unknown as DataPosition | null;
    if (
      !p ||
      typeof p !== 'object' ||
      typeof p.epoch !== 'number' ||
      typeof p.batch !== 'number' ||
      !('state' in p)
    )
      return { ok: false, diagnostics: [configError('the checkpoint has no valid data position')] };
    if (signature(p.pipeline) !== signature(this.description))
      return {
        ok: false,
        diagnostics: [
          configError(
            `the checkpoint's data position belongs to \`${p.pipeline}\`, not \`${this.description}\``,
            'resume with the data pipeline the run started with, or start a new run',
          ),
        ],
      };
    return catchDiagnostics(() => {
      this.cursor.rewind(p.epoch);
      this.cursor.restore(p.state);
      this.epochNo = p.epoch;
      this.batchNo = p.batch;
    });
  }
}

/** A pipeline's description with quoted paths cut to their file names, so a run folder that
 *  moved (absolute paths changed) still resumes, while any change of stage or option does not. */
const signature = (description: string): string =>
  description.replace(/"((?:[^"\\]|\\.)*)"/g, (_m, p: string) => JSON.stringify(p.split(/[\\/]/).pop()));

const emptyError = (description: string) =>
  new DiagnosticError({
    code: 'FTL0743',
    severity: 'error',
    message: `the data pipeline produced no batch in a whole epoch: ${description}`,
    hint: 'the data is smaller than one batch: use a smaller batch or seq, or more data',
  });

/** Compose a source and stages into a loader; the last stage must be batch(n). */
export function pipeline(source: Source<any>, ...stages: Stage<any, any>[]): Result<DataLoader> {
  const description = [source.describe(), ...stages.map((s) => s.describe())].join(' |> ');
  const problems = stages.flatMap((s) => s.problems());
  if (stages.length === 0 || !stages[stages.length - 1]!.describe().startsWith('batch('))
    problems.push(`the data pipeline must end with batch(n): ${description}`);
  const diagnostics = [...source.problems(), ...problems.map((m) => configError(m))];
  if (diagnostics.length) return { ok: false, diagnostics };
  const open = () => {
    let cursor: Cursor<unknown> = source.open();
    for (const s of stages) cursor = s.open(cursor);
    return cursor as Cursor<Batch>;
  };
  return ok(new DataLoader(open, description));
}
