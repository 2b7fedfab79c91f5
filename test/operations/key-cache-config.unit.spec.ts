import { ConfigError, loadConfig } from '../../src/config/config';

describe('RELATA_KEY_CACHE_ENTRIES', () => {
  it('defaults to 100000 (a working set of that many customers) and accepts any size from 1', () => {
    expect(loadConfig({}).keyCacheEntries).toBe(100_000);
    expect(loadConfig({ RELATA_KEY_CACHE_ENTRIES: '1' }).keyCacheEntries).toBe(1);
    expect(loadConfig({ RELATA_KEY_CACHE_ENTRIES: '2000000' }).keyCacheEntries).toBe(2_000_000);
  });

  it.each(['0', '-5', 'many', '1.5'])('refuses %p naming the variable', (value) => {
    expect(() => loadConfig({ RELATA_KEY_CACHE_ENTRIES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ RELATA_KEY_CACHE_ENTRIES: value })).toThrow(/^RELATA_KEY_CACHE_ENTRIES must be an integer from 1 to/);
  });
});
