import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'data/**', 'coverage/**', 'bench/out/**'] },
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
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
