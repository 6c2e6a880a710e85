// The package's "main" is a CommonJS file mislabelled as ESM, so tests import its ESM build
// by path; this gives that path the package's own types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
