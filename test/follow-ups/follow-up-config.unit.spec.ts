import { ConfigError, loadConfig } from '../../src/config/config';

describe('follow-up settings', () => {
  it('reminds an hour before the due time unless RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES says otherwise', () => {
    expect(loadConfig({}).followUpReminderLeadMinutes).toBe(60);
    expect(loadConfig({ RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES: '0' }).followUpReminderLeadMinutes).toBe(0);
    expect(loadConfig({ RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES: '1440' }).followUpReminderLeadMinutes).toBe(1440);
  });

  it.each(['an hour', '-5', '50000'])('refuses RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES=%s with a message naming the variable', (value) => {
    expect(() => loadConfig({ RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES: value })).toThrow(/RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES/);
  });
});
