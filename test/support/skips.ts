/**
 * The one way a suite may be skipped: on a stated condition, with its reason in the suite's name,
 * so that test/support/skip-reporter.js lists it at the end of every run. A skip without a reason
 * (a bare .skip, which lint refuses anyway) fails the run.
 */
export const SKIP_REASON_MARK = '[skipped:';

/** `describe` when the condition holds; otherwise a skipped describe whose name says why. */
export function describeWhen(condition: boolean, reason: string): jest.Describe {
  if (condition) return describe;
  const skipped = (name: string | number | jest.FunctionLike, fn: jest.EmptyFunction) =>
    // eslint-disable-next-line jest/no-disabled-tests -- the sanctioned, reasoned skip (see above)
    describe.skip(`${String(name)} ${SKIP_REASON_MARK} ${reason}]`, fn);
  return Object.assign(skipped, describe);
}

/** For suites that need a server: skipped, with the reason, while the variable is unset. */
export function describeWithEnv(variable: string, what: string): jest.Describe {
  return describeWhen(Boolean(process.env[variable]), `${variable} is not set (${what})`);
}
