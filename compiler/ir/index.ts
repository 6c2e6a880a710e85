// The training IR: one node type, a closed op set, graphs of named outputs and updates.
export * from './ops.ts';
export * from './node.ts';
export * from './graph.ts';
export * from './print.ts';
