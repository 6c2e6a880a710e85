// A region of source text. Every AST node carries one; IR nodes keep the span of the
// source expression they were traced from, so a kernel or a shape error can point at a line.
export interface Span {
  readonly file: string;
  /** 0-based character offsets, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** 1-based line and column of `start`. */
  readonly line: number;
  readonly col: number;
}
