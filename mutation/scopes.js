/**
 * What `npm run mutate` mutates, and which test files may kill the mutants, per scope.
 * - chain-access: the hash chain and its verifier, and access control's rule functions, against
 *   their unit tests and the sensitive-routes table (about 30 minutes on 2 shared cores);
 * - core: chain-access plus the decider's command processor (over an hour on 2 shared cores at
 *   concurrency 1: every processor mutant runs the sensitive-routes app tests that cover it);
 * - kernel: core plus the access guard (against the whole access-control e2e suite), the event
 *   store, the projection runner and privacy (hours).
 * Modules group the mutated files in the results file.
 */
const chainAndAccess = {
  modules: {
    'hash chain': [
      'src/shared/event-store/hash-chain.ts',
      'src/shared/event-store/hash-chaining-event-store.ts',
      'src/audit/audit-verify.ts',
    ],
    // The access table itself (lines 1-140) is data: the hand-written table in
    // test/e2e/sensitive-routes.e2e.spec.ts guards its sensitive rows; its functions are mutated.
    'access control': ['src/access/route-permissions.ts:141-155', 'src/access/roles.ts'],
  },
  tests: [
    'test/audit/hash-chain.unit.spec.ts',
    'test/audit/hash-chaining-event-store.int.spec.ts',
    'test/audit/audit-verify.int.spec.ts',
    'test/access/*.spec.ts',
    'test/e2e/sensitive-routes.e2e.spec.ts',
  ],
};

const core = {
  modules: { ...chainAndAccess.modules, 'decider processor': ['src/shared/decider/command-processor.ts'] },
  tests: [...chainAndAccess.tests, 'test/decider/*.spec.ts', 'test/operations/command-observer.int.spec.ts'],
};

const kernel = {
  modules: {
    ...core.modules,
    'access control': [...core.modules['access control'], 'src/access/access-guard.ts'],
    'event store': ['src/shared/event-store/sqlite-event-store.ts', 'src/shared/event-store/forwarding-event-store.ts'],
    'decider processor': ['src/shared/decider/command-processor.ts', 'src/shared/decider/stream-state-cache.ts'],
    'projection runner': [
      'src/shared/projections/projection-runner.ts',
      'src/shared/projections/event-batch-pump.ts',
      'src/shared/projections/shared-log-reader.ts',
    ],
    privacy: [
      'src/shared/privacy/encrypting-event-store.ts',
      'src/shared/privacy/field-cipher.ts',
      'src/shared/privacy/key-wrapping.ts',
      'src/shared/privacy/caching-key-store.ts',
      'src/shared/privacy/sqlite-key-store.ts',
      'src/shared/privacy/erasure.ts',
      'src/shared/privacy/personal-data.ts',
    ],
  },
  tests: [
    ...core.tests,
    'test/e2e/access-control.e2e.spec.ts',
    'test/event-store/*.spec.ts',
    'test/projections/*.spec.ts',
    'test/privacy/*.spec.ts',
    'test/reliability/contention.int.spec.ts',
  ],
};

const SCOPES = { 'chain-access': chainAndAccess, core, kernel };

function scope(name = process.env.RELATA_MUTATE_SCOPE || 'kernel') {
  const chosen = SCOPES[name];
  if (!chosen) throw new Error(`Unknown mutation scope "${name}": one of ${Object.keys(SCOPES).join(', ')}`);
  return { name, ...chosen, mutate: Object.values(chosen.modules).flat() };
}

module.exports = { SCOPES, scope };
