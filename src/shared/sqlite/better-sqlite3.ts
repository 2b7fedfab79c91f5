import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The better-sqlite3 build for the running Node.js:
 * - Node 20/21: better-sqlite3 12 (13 needs Node 22; on 20 it installs, then segfaults on load);
 * - Node >= 22: better-sqlite3 13, installed under the alias `better-sqlite3-node22`. Version 12
 *   wraps objects with the legacy node::ObjectWrap, and Node 24.19+ aborts the process
 *   ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook) when such an object is
 *   finalised; 13 uses node-addon-api and is not affected.
 * Both share one API (typed by @types/better-sqlite3).
 *
 * Loaded through Node's own require so that the native addon is loaded once per process even
 * where a module registry is re-created (Jest does so per test file).
 */
const nodeMajor = Number(process.versions.node.split('.')[0]);
const load = createRequire(__filename);
const Database = load(nodeMajor >= 22 ? 'better-sqlite3-node22' : 'better-sqlite3') as typeof BetterSqlite3;

export default Database;
