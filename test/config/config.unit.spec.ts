import { nestLogLevels } from '../../src/http-app';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('configuration from the environment', () => {
  it('has defaults that run the embedded stores in ./data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ eventStoreUrl: null, mongodbUrl: null, port: 3000, logLevel: 'info', consistencyTimeoutMs: 5000 });
    expect(config.dataDir).toMatch(/data$/);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ EVENTSTORE_URL: 'http://localhost:2113' }, 'EVENTSTORE_URL'],
    [{ MONGODB_URL: 'postgres://x' }, 'MONGODB_URL'],
    [{ RELATA_EVENTSTORE_STREAM_PREFIX: '$ce-' }, 'RELATA_EVENTSTORE_STREAM_PREFIX'],
    [{ RELATA_EVENTSTORE_STREAM_PREFIX: 'has space' }, 'RELATA_EVENTSTORE_STREAM_PREFIX'],
    [{ RELATA_CONSISTENCY_TIMEOUT_MS: '-1' }, 'RELATA_CONSISTENCY_TIMEOUT_MS'],
  ])('refuses %j with a one-line message naming %s', (env, variable) => {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message.startsWith(variable)).toBe(true);
    expect((caught as ConfigError).message).not.toContain('\n');
  });

  it('never echoes a connection string, which may hold a password', () => {
    expect(() => loadConfig({ MONGODB_URL: 'ftp://user:s3cret@host' })).toThrow(/^MONGODB_URL(?!.*s3cret)/);
  });

  it('reads a stream prefix for sharing one EventStoreDB, none by default', () => {
    expect(loadConfig({}).eventStoreStreamPrefix).toBeNull();
    expect(loadConfig({ RELATA_EVENTSTORE_STREAM_PREFIX: 'staging-2026.a:' }).eventStoreStreamPrefix).toBe('staging-2026.a:');
  });

  it('accepts esdb://, kurrentdb:// and mongodb:// URLs', () => {
    expect(loadConfig({ EVENTSTORE_URL: 'kurrentdb://localhost:2113?tls=false', MONGODB_URL: 'mongodb://localhost/relata' })).toMatchObject(
      {
        eventStoreUrl: 'kurrentdb://localhost:2113?tls=false',
        mongodbUrl: 'mongodb://localhost/relata',
      },
    );
  });

  it('maps LOG_LEVEL to the levels Nest prints', () => {
    expect(nestLogLevels('warn')).toEqual(['fatal', 'error', 'warn']);
    expect(nestLogLevels('info')).toEqual(['fatal', 'error', 'warn', 'log']);
    expect(nestLogLevels('silent')).toBe(false);
  });
});
