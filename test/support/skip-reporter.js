/**
 * Jest reporter: after every run, names each skipped test and why (the reason describeWhen in
 * test/support/skips.ts puts in the suite's name), in one block that ends with a summary line.
 * A skipped or todo test without a reason fails the run: nothing is skipped silently.
 */
const MARK = '[skipped:';

class SkipReporter {
  constructor(globalConfig) {
    this.error = undefined;
    // With a name filter (-t) the tests it leaves out are reported as skipped too: they need no reason.
    this.filtered = Boolean(globalConfig?.testNamePattern);
  }

  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending' && test.status !== 'skipped' && test.status !== 'todo' && test.status !== 'disabled') continue;
        const named = [...test.ancestorTitles, test.title].find((title) => title.includes(MARK));
        let reason = named
          ? named
              .slice(named.indexOf(MARK) + MARK.length)
              .replace(/\]\s*$/, '')
              .trim()
          : null;
        if (reason === null && this.filtered) reason = 'not selected by the test name pattern (-t)';
        skipped.push({ file: file.testFilePath.replace(`${process.cwd()}/`, ''), name: test.fullName, reason });
      }
    }
    const byReason = new Map();
    for (const test of skipped) {
      const reason = test.reason ?? 'NO REASON GIVEN';
      byReason.set(reason, [...(byReason.get(reason) ?? []), test]);
    }
    const lines = [''];
    for (const [reason, tests] of byReason) {
      lines.push(`Skipped, ${reason}: ${tests.length} test(s)`);
      for (const test of tests) lines.push(`  - ${test.name.replace(/ \[skipped:[^\]]*\]/g, '')} (${test.file})`);
    }
    lines.push(`Skipped: ${skipped.length} test(s)${byReason.size > 0 ? `; why: ${[...byReason.keys()].join('; ')}` : ''}`, '');
    process.stderr.write(`${lines.join('\n')}\n`);
    const unexplained = skipped.filter((t) => t.reason === null);
    if (unexplained.length > 0) {
      process.stderr.write(
        `FAILED: ${unexplained.length} test(s) skipped without a reason; skip only through describeWhen/describeWithEnv (test/support/skips.ts)\n`,
      );
      this.error = new Error(`${unexplained.length} test(s) skipped without a reason: ${unexplained.map((t) => t.name).join('; ')}`);
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = SkipReporter;
