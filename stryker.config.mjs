// Mutation testing of the kernel and access control: `npm run mutate` (see mutation/run.js and
// docs/mutation-testing.md). Not part of `npm test` or CI: it takes far longer than the suite.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { scope } = require('./mutation/scopes.js');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'mutation/jest.config.js', enableFindRelatedTests: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json',
  coverageAnalysis: 'perTest',
  mutate: scope().mutate,
  ignorePatterns: ['samples', 'docs', 'bench', 'dist', 'dist-bench', 'data', 'coverage', 'reports', 'mutation/results'],
  concurrency: 1,
  timeoutMS: 60000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
