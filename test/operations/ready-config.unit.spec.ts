import { ConfigError, loadConfig } from '../../src/config/config';

describe('RELATA_READY_MAX_LAG_EVENTS', () => {
  it('defaults to 1000 and accepts 0 to 9999', () => {
    expect(loadConfig({}).readyMaxLagEvents).toBe(1000);
    expect(loadConfig({ RELATA_READY_MAX_LAG_EVENTS: '0' }).readyMaxLagEvents).toBe(0);
    expect(loadConfig({ RELATA_READY_MAX_LAG_EVENTS: '9999' }).readyMaxLagEvents).toBe(9999);
  });

  it.each(['-1', 'abc', '10000', '1.5'])('refuses %p naming the variable', (value) => {
    expect(() => loadConfig({ RELATA_READY_MAX_LAG_EVENTS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ RELATA_READY_MAX_LAG_EVENTS: value })).toThrow(
      /^RELATA_READY_MAX_LAG_EVENTS must be an integer from 0 to 9999/,
    );
  });
});
