// What is under the cursor: the chain of AST nodes whose spans contain an offset, innermost
// last. A cursor at a node's end still counts as inside it (`lora|` is on the name `lora`).

import { childrenOf, type Node, type Program } from '../../grammar/index.ts';

export function nodesAt(ast: Program, offset: number): Node[] {
  const chain: Node[] = [];
  let cur: Node | undefined = ast;
  while (cur) {
    chain.push(cur);
    // the last child containing the offset: at `a|b` boundaries prefer the later one only if
    // it starts exactly here and the earlier one ended before (children are in source order)
    const kids: Node[] = childrenOf(cur).filter((c) => c.span.start <= offset && offset <= c.span.end);
    cur = kids.find((k) => k.span.end > offset) ?? kids[kids.length - 1];
  }
  return chain;
}

/** The innermost node of the chain with one of `kinds`. */
export function innermost<K extends Node['kind']>(
  chain: readonly Node[],
  ...kinds: K[]
): Extract<Node, { kind: K }> | undefined {
  for (let i = chain.length - 1; i >= 0; i--)
    if ((kinds as string[]).includes(chain[i]!.kind)) return chain[i] as Extract<Node, { kind: K }>;
  return undefined;
}
