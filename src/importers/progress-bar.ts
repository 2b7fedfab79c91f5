/**
 * The import's progress on a terminal: one line, rewritten in place (carriage return, erase to
 * the end of the line), at most every `minIntervalMs`. Not a TTY (CI logs, a pipe): no bar at all,
 * only the summary at the end.
 */

export interface ImportProgress {
  /** Bytes of the file the parser has consumed. */
  bytesRead: number;
  /** The file's size; null when unknown. */
  totalBytes: number | null;
  /** Records the parser produced so far. */
  records: number;
  /** Records whose commands appended events. */
  imported: number;
  /** Records a previous run had already imported. */
  alreadyImported: number;
  /** Rows the parser skipped plus records the command path refused. */
  skipped: number;
  /** Rows repeating an earlier row of the file. */
  duplicates: number;
  /** Commands sent through the command bus so far. */
  commands: number;
  elapsedMs: number;
  /**
   * The --limit of the import, when given: then the bar measures records against it, since a
   * limited import reads only the start of the file (bytes would say 100% while it has barely begun).
   */
  recordLimit?: number;
}

/** What the bar writes to: process.stdout, or a stand-in in tests. */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const BAR_WIDTH = 20;
/** The width assumed when the terminal does not tell its own. */
const DEFAULT_COLUMNS = 120;
const n = (value: number): string => Math.round(value).toLocaleString('en-US');

function megabytes(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

/** `[#####...............]  25%`: the share done, as a bar and a percentage. */
function bar(share: number): string {
  const fraction = Math.min(1, Math.max(0, share));
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

/** Commands per second over the elapsed time; 0 before any time has passed. */
export function commandsPerSecond(commands: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (commands * 1000) / elapsedMs : 0;
}

/** The progress line, cut to `width` characters. */
export function formatProgressLine(progress: ImportProgress, width = 120): string {
  const { bytesRead, totalBytes, recordLimit } = progress;
  let head: string;
  if (recordLimit !== undefined && recordLimit > 0) {
    head = `${bar(progress.records / recordLimit)} ${n(progress.records)}/${n(recordLimit)} records`;
  } else if (totalBytes !== null && totalBytes > 0) {
    head = `${bar(bytesRead / totalBytes)} ${megabytes(bytesRead)}/${megabytes(totalBytes)} MB`;
  } else {
    head = `${megabytes(bytesRead)} MB read`;
  }
  const parts = [
    head,
    ...(recordLimit !== undefined && recordLimit > 0 ? [] : [`${n(progress.records)} records`]),
    `${n(progress.imported)} imported`,
    ...(progress.alreadyImported > 0 ? [`${n(progress.alreadyImported)} already imported`] : []),
    `${n(progress.skipped)} skipped`,
    ...(progress.duplicates > 0 ? [`${n(progress.duplicates)} duplicates`] : []),
    `${n(commandsPerSecond(progress.commands, progress.elapsedMs))} commands/s`,
  ];
  const line = parts.join(' | ');
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) + '…' : line;
}

export interface ProgressBarOptions {
  /** Least time between two redraws. Default 100 ms. */
  minIntervalMs?: number;
  /** Milliseconds for throttling; default Date.now. */
  now?: () => number;
}

export class ProgressBar {
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly output: ProgressOutput,
    options: ProgressBarOptions,
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** A bar on a terminal; null when the output is not one (nothing to draw on). */
  static forOutput(output: ProgressOutput, options: ProgressBarOptions = {}): ProgressBar | null {
    return output.isTTY ? new ProgressBar(output, options) : null;
  }

  /**
   * Redraws the line unless the last redraw is too recent. Called on every progress report; it
   * is driven by those reports (not a timer), since an import running on a synchronous store may
   * not give timers a turn for a while.
   */
  update(progress: ImportProgress): void {
    const at = this.now();
    if (at - this.lastDrawAt < this.minIntervalMs) return;
    this.lastDrawAt = at;
    this.draw(progress);
  }

  /** Draws the final state and ends the line, so that what is printed next starts on its own line. */
  finish(progress: ImportProgress): void {
    this.draw(progress);
    this.output.write('\n');
    this.drawn = false;
  }

  private draw(progress: ImportProgress): void {
    // One column spare: writing into the last column makes some terminals wrap. A terminal that
    // reports no width (0 columns: some pseudo-terminals, `docker exec` without a size) is
    // treated as an unknown width, not as a 20-column one that would cut the line to a row of dots.
    const columns = this.output.columns !== undefined && this.output.columns > 0 ? this.output.columns : DEFAULT_COLUMNS;
    const width = Math.max(20, columns - 1);
    this.output.write(`\r${formatProgressLine(progress, width)}\x1b[K`);
    this.drawn = true;
  }

  /** Whether a line is on screen that the next output should start after. */
  get active(): boolean {
    return this.drawn;
  }
}
