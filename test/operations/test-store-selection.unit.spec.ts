import { testDatabaseName, testStoreConfig, testStoreEnv, withDatabase } from '../support/test-stores';

/** How the suite picks its stores (test/support/test-stores.ts): it decides where every other test runs. */
describe('test store selection', () => {
  const servers = { EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false', MONGODB_URL: 'mongodb://mongo:27017/?replicaSet=rs0' };

  it('without servers in the environment, selects the embedded stores', () => {
    expect(testStoreConfig('/tmp/relata-e2e-a', {})).toEqual({});
    expect(testStoreEnv('/tmp/relata-e2e-a', {})).toEqual({});
  });

  it('with servers, gives each data dir its own stream prefix and database, the same again for the same dir', () => {
    const a = testStoreConfig('/tmp/relata-e2e-a', servers);
    const b = testStoreConfig('/tmp/relata-e2e-b', servers);
    expect(a.eventStoreUrl).toBe(servers.EVENTSTORE_URL);
    expect(a.eventStoreStreamPrefix).toMatch(/^t[0-9a-f]{16}-$/);
    expect(a.mongodbUrl).toBe(`mongodb://mongo:27017/${testDatabaseName('/tmp/relata-e2e-a')}?replicaSet=rs0`);
    expect(b.eventStoreStreamPrefix).not.toBe(a.eventStoreStreamPrefix);
    expect(b.mongodbUrl).not.toBe(a.mongodbUrl);
    expect(testStoreConfig('/tmp/relata-e2e-a', servers)).toEqual(a);
    expect(testStoreEnv('/tmp/relata-e2e-a', servers)).toEqual({
      EVENTSTORE_URL: servers.EVENTSTORE_URL,
      RELATA_EVENTSTORE_STREAM_PREFIX: a.eventStoreStreamPrefix,
      MONGODB_URL: a.mongodbUrl,
    });
  });

  it('with one server only, puts only that store on it', () => {
    expect(Object.keys(testStoreConfig('/tmp/x', { MONGODB_URL: servers.MONGODB_URL }))).toEqual(['mongodbUrl']);
    expect(Object.keys(testStoreConfig('/tmp/x', { EVENTSTORE_URL: servers.EVENTSTORE_URL }))).toEqual([
      'eventStoreUrl',
      'eventStoreStreamPrefix',
    ]);
  });

  it('puts the database in the URL path, keeping credentials and options', () => {
    expect(withDatabase('mongodb://u:p@h1:27017,h2:27017/admin?replicaSet=rs0&authSource=admin', 'relata_t_1')).toBe(
      'mongodb://u:p@h1:27017,h2:27017/relata_t_1?replicaSet=rs0&authSource=admin',
    );
  });
});
