/** The project's Jest setup, limited to the test files of the mutation scope (scopes.js). */
const base = require('../jest.config.js');
const { scope } = require('./scopes.js');

module.exports = {
  ...base,
  rootDir: '..',
  testMatch: scope().tests.map((glob) => `<rootDir>/${glob}`),
  // Stryker runs one test process at a time (--concurrency 1 on a shared 2-core machine).
  maxWorkers: 1,
};
