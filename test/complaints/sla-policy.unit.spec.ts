import {
  computeDeadlines,
  DEFAULT_SLA_POLICY,
  HOUR_MS,
  isWithinDeadline,
  pausedBetween,
  shiftDeadlines,
  type SlaPolicy,
  slaPolicyProblems,
} from '../../src/complaints/sla-policy';

const START = '2026-03-02T12:00:00.000Z';

describe('SLA policy', () => {
  describe('DEFAULT_SLA_POLICY', () => {
    it('resolves critical and high within 24 h, medium 48 h, low 72 h, warns at 75%, clock from grading', () => {
      expect(DEFAULT_SLA_POLICY.resolutionHours).toEqual({ critical: 24, high: 24, medium: 48, low: 72 });
      expect(DEFAULT_SLA_POLICY.firstResponseHours).toEqual({ critical: 4, high: 8, medium: 24, low: 24 });
      expect(DEFAULT_SLA_POLICY.warningShare).toBe(0.75);
      expect(DEFAULT_SLA_POLICY.clockStartsAt).toBe('grading');
    });

    it('is a usable policy', () => expect(slaPolicyProblems(DEFAULT_SLA_POLICY)).toEqual([]));
  });

  describe('computeDeadlines', () => {
    it.each([
      ['critical', '2026-03-02T16:00:00.000Z', '2026-03-03T12:00:00.000Z', '2026-03-03T06:00:00.000Z'],
      ['high', '2026-03-02T20:00:00.000Z', '2026-03-03T12:00:00.000Z', '2026-03-03T06:00:00.000Z'],
      ['medium', '2026-03-03T12:00:00.000Z', '2026-03-04T12:00:00.000Z', '2026-03-04T00:00:00.000Z'],
      ['low', '2026-03-03T12:00:00.000Z', '2026-03-05T12:00:00.000Z', '2026-03-04T18:00:00.000Z'],
    ] as const)('computes the %s deadlines from the clock start', (severity, firstResponseDueAt, resolutionDueAt, warningAt) =>
      expect(computeDeadlines(DEFAULT_SLA_POLICY, severity, START)).toEqual({ firstResponseDueAt, resolutionDueAt, warningAt }),
    );

    it('adds the time the clock was stopped to every deadline', () =>
      expect(computeDeadlines(DEFAULT_SLA_POLICY, 'high', START, 90 * 60_000)).toEqual({
        firstResponseDueAt: '2026-03-02T21:30:00.000Z',
        resolutionDueAt: '2026-03-03T13:30:00.000Z',
        warningAt: '2026-03-03T07:30:00.000Z',
      }));

    it('follows the policy numbers, including fractional hours and another warning share', () => {
      const policy: SlaPolicy = {
        ...DEFAULT_SLA_POLICY,
        resolutionHours: { ...DEFAULT_SLA_POLICY.resolutionHours, low: 10 },
        firstResponseHours: { ...DEFAULT_SLA_POLICY.firstResponseHours, low: 0.5 },
        warningShare: 0.5,
      };
      expect(computeDeadlines(policy, 'low', START)).toEqual({
        firstResponseDueAt: '2026-03-02T12:30:00.000Z',
        resolutionDueAt: '2026-03-02T22:00:00.000Z',
        warningAt: '2026-03-02T17:00:00.000Z',
      });
    });

    it('accepts clock starts with an offset and answers in UTC', () =>
      expect(computeDeadlines(DEFAULT_SLA_POLICY, 'critical', '2026-03-02T13:00:00+01:00').resolutionDueAt).toBe(
        '2026-03-03T12:00:00.000Z',
      ));

    it('refuses a clock start that is not a date-time', () =>
      expect(() => computeDeadlines(DEFAULT_SLA_POLICY, 'low', 'yesterday')).toThrow(RangeError));

    it('refuses negative paused time', () => expect(() => computeDeadlines(DEFAULT_SLA_POLICY, 'low', START, -1)).toThrow(RangeError));
  });

  describe('pause helpers', () => {
    it('measures the paused time between two instants', () =>
      expect(pausedBetween('2026-03-02T12:00:00.000Z', '2026-03-02T14:30:00.000Z')).toBe(2.5 * HOUR_MS));

    it('never measures a negative pause', () => expect(pausedBetween('2026-03-02T14:00:00.000Z', START)).toBe(0));

    it('shifts every deadline by the paused time, like computing with it', () => {
      const base = computeDeadlines(DEFAULT_SLA_POLICY, 'medium', START);
      expect(shiftDeadlines(base, 3 * HOUR_MS)).toEqual(computeDeadlines(DEFAULT_SLA_POLICY, 'medium', START, 3 * HOUR_MS));
    });

    it('counts a deadline met on the dot, missed one millisecond later', () => {
      expect(isWithinDeadline('2026-03-03T12:00:00.000Z', '2026-03-03T12:00:00.000Z')).toBe(true);
      expect(isWithinDeadline('2026-03-03T12:00:00.001Z', '2026-03-03T12:00:00.000Z')).toBe(false);
    });
  });

  describe('slaPolicyProblems', () => {
    it('lists every problem of a broken policy', () => {
      const broken: SlaPolicy = {
        id: ' ',
        version: 0,
        resolutionHours: { critical: 0, high: 24, medium: 48, low: 72 },
        firstResponseHours: { critical: 4, high: 30, medium: Number.NaN, low: 24 },
        warningShare: 1,
        clockStartsAt: 'sometime' as SlaPolicy['clockStartsAt'],
      };
      expect(slaPolicyProblems(broken)).toEqual([
        'id must be a non-empty string',
        'version must be a positive integer',
        'firstResponseHours.medium must be a positive number',
        'firstResponseHours.high must not exceed resolutionHours.high',
        'resolutionHours.critical must be a positive number',
        'warningShare must be between 0 and 1 (exclusive)',
        'clockStartsAt must be "grading" or "receipt"',
      ]);
    });

    it('accepts a clock that starts at receipt', () =>
      expect(slaPolicyProblems({ ...DEFAULT_SLA_POLICY, clockStartsAt: 'receipt' })).toEqual([]));
  });
});
