import {
  commandsPerSecond,
  formatProgressLine,
  type ImportProgress,
  ProgressBar,
  type ProgressOutput,
} from '../../src/importers/progress-bar';

const progress = (over: Partial<ImportProgress> = {}): ImportProgress => ({
  bytesRead: 1_048_576,
  totalBytes: 4_194_304,
  records: 12_345,
  imported: 12_000,
  alreadyImported: 0,
  skipped: 45,
  duplicates: 0,
  commands: 20_000,
  elapsedMs: 4_000,
  ...over,
});

class FakeTerminal implements ProgressOutput {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 200,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('progress line', () => {
  it('shows the bytes read against the file size, the counts and the command rate', () => {
    expect(formatProgressLine(progress())).toBe(
      '[#####...............]  25% 1.0/4.0 MB | 12,345 records | 12,000 imported | 45 skipped | 5,000 commands/s',
    );
  });

  it('mentions records imported earlier and duplicates only when there are some', () => {
    const line = formatProgressLine(progress({ alreadyImported: 300, duplicates: 7 }), 200);
    expect(line).toContain('300 already imported');
    expect(line).toContain('7 duplicates');
  });

  it('without a known size shows the bytes read only', () => {
    expect(formatProgressLine(progress({ totalBytes: null }))).toMatch(/^1\.0 MB read \| /);
  });

  it('with a --limit measures the records against the limit, not the bytes of the whole file', () => {
    // A limited import reads only the start of the file: by bytes it would show 100% from the first chunk.
    const line = formatProgressLine(progress({ bytesRead: 4_194_304, totalBytes: 4_194_304, records: 250, recordLimit: 1_000 }), 200);
    expect(line).toMatch(/^\[#####\.{15}\] {2}25% 250\/1,000 records \| /);
    expect(line).not.toContain('MB');
  });

  it('fits the width it is given', () => {
    const line = formatProgressLine(progress(), 40);
    expect(line).toHaveLength(40);
    expect(line.endsWith('…')).toBe(true);
  });

  it('rates commands per second, 0 before any time has passed', () => {
    expect(commandsPerSecond(500, 250)).toBe(2000);
    expect(commandsPerSecond(500, 0)).toBe(0);
  });
});

describe('ProgressBar', () => {
  it('draws nothing when the output is not a terminal', () => {
    expect(ProgressBar.forOutput(new FakeTerminal(false))).toBeNull();
  });

  it('rewrites one line in place, at most once per interval, and ends it on finish', () => {
    const terminal = new FakeTerminal(true);
    let now = 1_000;
    const bar = ProgressBar.forOutput(terminal, { minIntervalMs: 100, now: () => now })!;
    bar.update(progress({ records: 1 }));
    now += 50;
    bar.update(progress({ records: 2 })); // too soon: skipped
    now += 60;
    bar.update(progress({ records: 3 }));
    expect(bar.active).toBe(true);
    bar.finish(progress({ records: 4 }));

    const draws = terminal.text.split('\r').filter(Boolean);
    expect(draws.map((d) => /(\d+) records/.exec(d)?.[1])).toEqual(['1', '3', '4']);
    expect(draws.every((d) => d.includes('\x1b[K'))).toBe(true);
    expect(terminal.text.endsWith('\n')).toBe(true);
    expect(terminal.text.split('\n')).toHaveLength(2);
    expect(bar.active).toBe(false);
  });

  it('treats a terminal that reports 0 columns as one of unknown width, not as a row of dots', () => {
    const terminal = new FakeTerminal(true, 0);
    ProgressBar.forOutput(terminal)!.update(progress());
    const drawn = terminal.text.replace('\r', '').replace('\x1b[K', '');
    expect(drawn).toBe(formatProgressLine(progress()));
  });

  it('keeps the line within the terminal width', () => {
    const terminal = new FakeTerminal(true, 50);
    ProgressBar.forOutput(terminal)!.update(progress());
    const drawn = terminal.text.replace('\r', '').replace('\x1b[K', '');
    expect(drawn.length).toBeLessThanOrEqual(49);
  });
});
