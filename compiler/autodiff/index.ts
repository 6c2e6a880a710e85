// Autodiff: `grad(loss, wrt)` and the per-op VJP table.
export { grad } from './grad.ts';
export { vjpRules, type Pullback, type VjpRule } from './vjp.ts';
export { builder, type Builder } from './build.ts';
export { stripCustomVjp } from './custom.ts';
