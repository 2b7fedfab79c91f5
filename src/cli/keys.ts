import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { AccessKeyStore } from '../access/access-key-store';
import { isRole, ROLES, type Role } from '../access/roles';
import { RelataError } from '../shared/errors/domain-errors';
import { withAccessKeyStore } from './access-key-stores';
import { type CliIo, configOrExplain, consoleIo, readCommandLine, usageError } from './cli-io';

export const KEYS_USAGE = `Usage: relata keys create --name NAME --roles ROLE[,ROLE...] [--pii] [--expires-at TIME] [--json]
       relata keys revoke ID
       relata keys list [--json]

Manages API keys directly in the configured stores (no running server needed), as POST /admin/keys
and POST /admin/keys/ID/revoke do: each change is recorded in the event log (actor cli:keys).
  create        prints the new key ONCE: it is stored only as a hash and cannot be shown again
    --name        a label for the key
    --roles       comma-separated: ${ROLES.join(', ')}
    --pii         the key may read personal data unmasked
    --expires-at  an ISO 8601 date-time (default: never)
  revoke ID     revokes at once (the last active admin key cannot be revoked)
  list          every key without its secret: id, prefix, name, roles, status
  --json        machine-readable output

Examples:
  relata keys create --name dashboard --roles analyst
  relata keys create --name ops --roles admin --json
  relata keys revoke 5f0c...`;

/** A usage error of `relata keys`: the message, then the usage. */
const keysUsageError = (io: CliIo, message: string): number => usageError(io, KEYS_USAGE, message);

/** `relata keys create|revoke|list`; resolves to the exit code. */
export async function keysCli(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  const line = readCommandLine(
    argv,
    io,
    KEYS_USAGE,
    {
      name: { type: 'string' },
      roles: { type: 'string' },
      pii: { type: 'boolean', default: false },
      'expires-at': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if ('exit' in line) return line.exit;
  const { values, positionals } = line;
  const [action, ...rest] = positionals;
  let run: (store: AccessKeyStore) => Promise<void>;
  const context = { actor: 'cli:keys', correlationId: randomUUID(), commandId: '' };
  const print = (line: string): void => void io.stdout.write(`${line}\n`);
  if (action === 'create') {
    if (rest.length > 0) return keysUsageError(io, `Unexpected argument ${rest[0]}`);
    const name = values.name?.trim();
    if (!name) return keysUsageError(io, 'keys create needs --name');
    const roles = (values.roles ?? '')
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean);
    if (roles.length === 0) return keysUsageError(io, 'keys create needs --roles');
    const unknown = roles.filter((role) => !isRole(role));
    if (unknown.length > 0) return keysUsageError(io, `Unknown role(s) ${unknown.join(', ')}; the roles are ${ROLES.join(', ')}`);
    const expiresAtText = values['expires-at'];
    const expiresAt = expiresAtText === undefined ? null : new Date(expiresAtText);
    if (expiresAt !== null && Number.isNaN(expiresAt.getTime()))
      return keysUsageError(io, `--expires-at is not a date-time: "${expiresAtText}"`);
    run = async (store) => {
      const created = await store.create(
        { name, roles: roles as Role[], pii: values.pii === true, expiresAt: expiresAt?.toISOString() ?? null },
        context,
      );
      if (values.json) return print(JSON.stringify(created));
      print(
        `Created API key ${created.id} (${created.name}; roles ${created.roles.join(', ')}${created.pii ? '; pii' : ''}${created.expiresAt ? `; expires ${created.expiresAt}` : ''})`,
      );
      print('');
      print(`  ${created.key}`);
      print('');
      print('Store it now: it is not shown again. Send it as "Authorization: Bearer <key>".');
    };
  } else if (action === 'revoke') {
    if (rest.length !== 1) return keysUsageError(io, 'keys revoke needs exactly one key ID');
    run = async (store) => {
      const revoked = await store.revoke(rest[0], context);
      print(values.json ? JSON.stringify(revoked) : `Revoked API key ${revoked.id} (${revoked.name})`);
    };
  } else if (action === 'list') {
    run = async (store) => {
      const keys = await store.list();
      if (values.json) return print(JSON.stringify({ items: keys }));
      for (const key of keys)
        print(`${key.id}  ${key.prefix}  ${key.status.padEnd(7)}  ${key.roles.join(',')}${key.pii ? '+pii' : ''}  ${key.name}`);
      if (keys.length === 0) print('No API keys');
    };
  } else {
    return keysUsageError(io, action === undefined ? 'Give an action: create, revoke or list' : `Unknown action "${action}"`);
  }

  const config = configOrExplain(io.env, 'manage keys', (line) => void io.stderr.write(`${line}\n`));
  if (config === null) return 1;
  try {
    await withAccessKeyStore(config, run);
    return 0;
  } catch (error) {
    if (error instanceof RelataError) {
      io.stderr.write(`Cannot ${action} the key: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
