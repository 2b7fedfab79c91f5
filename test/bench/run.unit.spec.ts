import { orderNames, renderResults, type StoredResult } from '../../bench/run';

const machine = { cpu: 'Test CPU', cores: 2, memoryGb: 8, os: 'Linux' };

function result(name: string, extra: Partial<StoredResult>): StoredResult {
  return {
    name,
    title: `Title ${name}`,
    machine,
    node: 'v20.0.0',
    date: '2026-01-01T00:00:00.000Z',
    commit: 'abc-dirty',
    durationSeconds: 3,
    ...extra,
  };
}

describe('bench runner', () => {
  it('orders benchmarks by the fixed list, then the others alphabetically', () => {
    expect(orderNames(['zeta', 'startup', 'alpha', 'event-store', 'rebuild'])).toEqual([
      'event-store',
      'rebuild',
      'startup',
      'alpha',
      'zeta',
    ]);
  });

  it('renders a summary of every target, met or not, and a section per benchmark with its machine line', () => {
    const markdown = renderResults([
      result('rebuild', {
        report: {
          body: 'Rebuild table',
          targets: [
            { name: 'rate', target: '>= 100 events/s', measured: '50 events/s', met: false, note: '50% short' },
            { name: 'memory', target: '<= 500 MB', measured: '300 MB', met: true },
          ],
        },
      }),
      result('startup', { error: 'Error: boom' }),
    ]);
    expect(markdown).toContain('| Title rebuild: rate | >= 100 events/s | 50 events/s | no | 50% short |');
    expect(markdown).toContain('| Title rebuild: memory | <= 500 MB | 300 MB | yes |  |');
    expect(markdown).toContain('| Title startup | runs | failed | no |');
    expect(markdown).toContain('## Title rebuild');
    expect(markdown).toContain('Test CPU, 2 cores, 8 GB, Linux; Node v20.0.0; 2026-01-01T00:00:00.000Z; commit abc-dirty');
    expect(markdown).toContain('Error: boom');
    expect(markdown.indexOf('## Title rebuild')).toBeLessThan(markdown.indexOf('## Title startup'));
  });
});
