import { relata } from '../../src/cli/relata';
import { captureIo } from './cli-capture';

describe('relata --help', () => {
  it('lists every command at the top level', async () => {
    for (const argv of [['--help'], ['-h'], []]) {
      const io = captureIo();
      expect(await relata(argv, io)).toBe(0);
      const text = io.out();
      expect(text).toMatch(/^Usage: relata COMMAND/);
      for (const command of [
        'serve',
        'init',
        'import',
        'seed',
        'projections status',
        'projections rebuild',
        'projections verify',
        'replay',
        'clv fit',
        'keys create',
        'audit verify',
        'campaigns launch',
      ]) {
        expect(text).toContain(command);
      }
      expect(text).toContain('Examples:');
    }
  });

  it.each([
    [['serve', '--help'], 'Usage: relata serve'],
    [['init', '--help'], 'Usage: relata init'],
    [['import', '--help'], 'Usage: relata import KIND FILE'],
    [['seed', '--help'], 'Usage: relata seed'],
    [['projections', 'status', '--help'], 'Usage: relata projections status'],
    [['projections', 'rebuild', '--help'], 'Usage: relata projections rebuild'],
    [['projections', 'verify', '--help'], 'Usage: relata projections verify'],
    [['replay', '--help'], 'Usage: relata replay'],
    [['clv', 'fit', '--help'], 'Usage: relata clv fit'],
    [['keys', '--help'], 'Usage: relata keys create'],
    [['keys', 'create', '--help'], 'Usage: relata keys create'],
    [['audit', 'verify', '--help'], 'Usage: relata audit verify'],
    [['campaigns', '--help'], 'Usage: relata campaigns launch'],
    [['campaigns', 'launch', '--help'], 'Usage: relata campaigns launch'],
  ])('%j prints its usage, options and examples', async (argv, usage) => {
    const io = captureIo();
    expect(await relata(argv, io)).toBe(0);
    expect(io.out().startsWith(usage)).toBe(true);
    expect(io.out()).toContain('Examples:');
    expect(io.err()).toBe('');
  });

  it('prints the group usage for "projections --help" and "clv --help"', async () => {
    const projections = captureIo();
    expect(await relata(['projections', '--help'], projections)).toBe(0);
    expect(projections.out()).toContain('status');
    expect(projections.out()).toContain('rebuild');
    const clv = captureIo();
    expect(await relata(['clv', '--help'], clv)).toBe(0);
    expect(clv.out()).toContain('Usage: relata clv fit');
  });

  it('refuses an unknown command or subcommand with the usage and exit code 2', async () => {
    for (const argv of [
      ['frobnicate'],
      ['projections', 'explode'],
      ['projections'],
      ['clv', 'guess'],
      ['keys', 'rotate'],
      ['keys', 'create', '--roles', 'analyst'],
      ['keys', 'create', '--name', 'x', '--roles', 'wizard'],
      ['seed', '--limit', 'zero'],
      ['serve', '--bogus'],
      ['init', 'now'],
      ['campaigns'],
      ['campaigns', 'start', '00000000-0000-4000-8000-000000000001'],
    ]) {
      const io = captureIo();
      expect(await relata(argv, io)).toBe(2);
      expect(io.err()).toContain('Usage: relata');
      expect(io.out()).toBe('');
    }
  });
});
