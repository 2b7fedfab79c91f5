import { ConfigError, loadConfig } from '../../src/config/config';

describe('complaint settings', () => {
  it('defaults: digital channels acknowledged on receipt, 14 days to reopen', () => {
    const config = loadConfig({});
    expect(config.autoAckChannels).toEqual(['email', 'web', 'social']);
    expect(config.reopenWindowDays).toBe(14);
  });

  it('reads RELATA_AUTO_ACK_CHANNELS as a list, or none', () => {
    expect(loadConfig({ RELATA_AUTO_ACK_CHANNELS: ' Phone, email ,phone' }).autoAckChannels).toEqual(['phone', 'email']);
    expect(loadConfig({ RELATA_AUTO_ACK_CHANNELS: 'none' }).autoAckChannels).toEqual([]);
  });

  it('reads RELATA_REOPEN_WINDOW_DAYS', () => {
    expect(loadConfig({ RELATA_REOPEN_WINDOW_DAYS: '30' }).reopenWindowDays).toBe(30);
    expect(loadConfig({ RELATA_REOPEN_WINDOW_DAYS: '0' }).reopenWindowDays).toBe(0);
  });

  it.each([
    ['RELATA_AUTO_ACK_CHANNELS', 'email,pigeon'],
    ['RELATA_AUTO_ACK_CHANNELS', 'email,,web'],
    ['RELATA_REOPEN_WINDOW_DAYS', 'two weeks'],
    ['RELATA_REOPEN_WINDOW_DAYS', '-1'],
    ['RELATA_REOPEN_WINDOW_DAYS', '5000'],
  ])('refuses %s=%s with a message naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable} `));
  });
});
