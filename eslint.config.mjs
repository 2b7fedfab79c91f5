import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'data/**', 'coverage/**', 'bench/out/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests read response bodies whose shape they assert; typing every body would add noise, not safety.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // No silent skips: a focused test (.only, fit) or a disabled one (.skip, xit, it.todo) fails the
    // lint of `npm test`. The adapter suites that need a server skip through describeIf... helpers
    // whose reason the suite prints (test/support/skips.ts), not through a bare .skip.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    plugins: { jest },
    languageOptions: { globals: jest.environments.globals.globals },
    rules: {
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/no-commented-out-tests': 'error',
      'jest/valid-title': 'error',
    },
  },
  {
    // The production store adapters load on demand (see the comment in stores.ts).
    files: ['src/shared/stores.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Analyses run in business time: no analysis code reads the wall clock except through
    // src/analytics/as-of.ts (liveAsOf: the default as-of of live data; recordTime: record time).
    files: ['src/analytics/**/*.ts'],
    ignores: ['src/analytics/as-of.ts', 'src/analytics/segmentation-scheduler.service.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='now']",
          message: 'Analyses run in business time: read the clock only through liveAsOf() or recordTime() (src/analytics/as-of.ts).',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Analyses run in business time: read the clock only through liveAsOf() or recordTime() (src/analytics/as-of.ts).',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
