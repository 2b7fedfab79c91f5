/** Jest 30 + @swc/jest: NestJS 12 ships ESM only, so those packages are transformed too. */
const swcConfig = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', swcConfig] },
  transformIgnorePatterns: [
    '/node_modules/(?!(.*/)?(@nestjs|cookie|file-type|load-esm|strtok3|token-types|@tokenizer|uint8array-extras)/)',
  ],
  testTimeout: 30000,
};
