/** Jest 30 + @swc/jest: NestJS 12 ships ESM only, so those packages are transformed too. */
const swcConfig = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

const os = require('node:os');

module.exports = {
  testEnvironment: 'node',
  // At least two worker processes, each replaced once it holds 1 GB after a test file. Jest runs
  // in band (every suite in one process) when it would use one worker, as it does on 2 cores; there
  // the whole suite took 11 minutes instead of 2, the data-set imports six times longer than alone.
  maxWorkers: Math.max(2, os.cpus().length - 1),
  workerIdleMemoryLimit: '1GB',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', swcConfig] },
  transformIgnorePatterns: [
    '/node_modules/(?!(.*/)?(@nestjs|cookie|file-type|load-esm|strtok3|token-types|@tokenizer|uint8array-extras)/)',
  ],
  testTimeout: 30000,
  // Every run ends by naming each skipped test and why; a skip without a reason fails the run.
  reporters: ['default', '<rootDir>/test/support/skip-reporter.js'],
};
