import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Role } from '../access/roles';
import { RelataError } from '../shared/errors/domain-errors';
import { withAccessKeyStore } from './access-key-stores';
import { type CliIo, configOrExplain, consoleIo, readCommandLine } from './cli-io';

/** The file `relata init` writes unless told otherwise. */
export const DEFAULT_KEYS_FILE = 'relata-keys.env';

/**
 * One key per role, in the order a new user needs them. The roles are kept apart on purpose
 * (separation of duties: the admin key is refused on business routes), so a first session needs
 * several keys; the admin key is there too, in case the one printed at the first start is lost.
 */
const INIT_KEYS: readonly { role: Role; variable: string; pii: boolean }[] = [
  { role: 'agent', variable: 'RELATA_AGENT_KEY', pii: false },
  { role: 'supervisor', variable: 'RELATA_SUPERVISOR_KEY', pii: false },
  { role: 'analyst', variable: 'RELATA_ANALYST_KEY', pii: false },
  { role: 'auditor', variable: 'RELATA_AUDITOR_KEY', pii: false },
  { role: 'admin', variable: 'RELATA_ADMIN_KEY', pii: false },
];

export const INIT_USAGE = `Usage: relata init [--out FILE] [--force]

Creates one API key per role (${INIT_KEYS.map((k) => k.role).join(', ')}) in the configured stores
(no running server needed, and none disturbed) and writes them as shell variables to a file only
you can read (mode 0600), so that a first session can call every route:
  ${INIT_KEYS.map((k) => k.variable).join(', ')}
Load them with ". ./${DEFAULT_KEYS_FILE}". The keys are not printed.
  --out FILE   where to write them (default ./${DEFAULT_KEYS_FILE})
  --force      replace an existing file (its old keys stay valid until revoked: relata keys list)

Examples:
  npx relata init
  npx relata init --out ~/.config/relata/keys.env`;

/** `relata init`: resolves to the exit code. */
export async function initCli(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  const line = readCommandLine(argv, io, INIT_USAGE, { out: { type: 'string' }, force: { type: 'boolean', default: false } });
  if ('exit' in line) return line.exit;
  const { values } = line;
  const file = path.resolve(values.out ?? DEFAULT_KEYS_FILE);
  const err = (line: string): void => void io.stderr.write(`${line}\n`);
  // Checked before any key is made: a refusal must leave no stray keys behind.
  if (fs.existsSync(file) && values.force !== true) {
    err(`Cannot init: ${file} exists; load it with ". ${file}", or pass --force to make new keys`);
    return 1;
  }
  if (!fs.existsSync(path.dirname(file))) {
    err(`Cannot init: no directory ${path.dirname(file)}`);
    return 1;
  }
  const config = configOrExplain(io.env, 'init', err);
  if (config === null) return 1;

  try {
    return await withAccessKeyStore(config, async (store, clock) => {
      const context = { actor: 'cli:init', correlationId: randomUUID(), commandId: '' };
      const lines = [
        `# Relata API keys, one per role, made by "relata init" on ${clock.now().toISOString()}.`,
        '# Secrets: keep this file to yourself. Load with: . ./' + path.basename(file),
      ];
      for (const { role, variable, pii } of INIT_KEYS) {
        const created = await store.create({ name: `init ${role}`, roles: [role], pii, expiresAt: null }, context);
        lines.push(`export ${variable}=${created.key}`);
      }
      writePrivateFile(file, `${lines.join('\n')}\n`);
      io.stdout.write(
        [
          `Created ${INIT_KEYS.length} API keys (${INIT_KEYS.map((k) => k.role).join(', ')}) and wrote them to ${file} (mode 0600).`,
          `Load them:  . ${file}`,
          'Then, e.g.: curl -H "Authorization: Bearer $RELATA_AGENT_KEY" http://localhost:3000/customers',
          '',
        ].join('\n'),
      );
      return 0;
    });
  } catch (error) {
    if (error instanceof RelataError) {
      err(`Cannot init: ${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** Writes the file readable by its owner only, also when it existed with wider permissions. */
function writePrivateFile(file: string, text: string): void {
  fs.rmSync(file, { force: true });
  // 'wx': never follow a file someone slipped in between the removal and the write.
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, text);
    // The umask can only take bits away, but say it anyway: the mode is the point of this file.
    fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}
