/**
 * Import rules checked by `npm test` (npm run deps). Why each rule exists is in its comment;
 * docs/architecture.md explains the layout they protect.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood (or loaded) one without the other.',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'kernel-imports-no-feature',
      severity: 'error',
      comment: 'src/shared is the kernel every feature builds on; it must not know any feature.',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'src-imports-no-tests',
      severity: 'error',
      comment: 'Production code never depends on test helpers or benchmarks.',
      from: { path: '^src/' },
      to: { path: '^(test|bench|mutation)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.spec\\.ts$' },
  },
};
