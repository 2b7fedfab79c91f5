/** Shapes of filter values shared by the filter checker (mongo-filter.ts) and its rewrite for mingo. */
import { InvalidQueryError } from './read-store.port';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An object whose keys are operators ({ $gt: 1 }) rather than a literal embedded document. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  let operators = 0;
  let fields = 0;
  for (const key of Object.keys(value)) {
    if (key.startsWith('$')) operators++;
    else fields++;
  }
  if (operators > 0 && fields > 0) {
    throw new InvalidQueryError(`cannot mix operators and fields in ${JSON.stringify(value)}`);
  }
  return operators > 0;
}

/** A RegExp with the flags MongoDB knows (i, m, s); the stateful g and y are dropped. */
export function buildRegex(pattern: unknown, options: unknown): RegExp {
  let source: string;
  let flags = '';
  if (pattern instanceof RegExp) {
    source = pattern.source;
    flags = pattern.flags.replace(/[gy]/g, '');
  } else if (typeof pattern === 'string') {
    source = pattern;
  } else {
    throw new InvalidQueryError('$regex must be a string or a RegExp');
  }
  if (options !== undefined) {
    if (typeof options !== 'string' || !/^[ims]*$/.test(options)) {
      throw new InvalidQueryError('$options supports only the flags i, m and s');
    }
    for (const flag of options) if (!flags.includes(flag)) flags += flag;
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new InvalidQueryError(`invalid $regex: ${(error as Error).message}`);
  }
}
