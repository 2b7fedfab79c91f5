import { WrongExpectedRevisionError } from '../../../src/shared/event-store/event-store.port';
import { BusinessRuleViolation, NotFoundError, ValidationFailedError } from '../../../src/shared/errors/domain-errors';
import { toProblem } from '../../../src/shared/errors/problem-details.filter';

describe('toProblem (RFC 7807)', () => {
  it('maps a business rule to 422 with its stable code and details as extension members', () => {
    expect(
      toProblem(new BusinessRuleViolation('SUGGESTION_EXPIRED', 'The suggestion has expired', { expiresAt: '2026-01-01' }), '/x'),
    ).toEqual({
      type: 'urn:relata:problem:suggestion-expired',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'The suggestion has expired',
      code: 'SUGGESTION_EXPIRED',
      instance: '/x',
      expiresAt: '2026-01-01',
    });
  });

  it('never lets details overwrite the standard members', () => {
    const problem = toProblem(new NotFoundError('THING_NOT_FOUND', 'gone', { status: 'closed', code: 'X', type: 'y' }));
    expect(problem).toMatchObject({ status: 404, code: 'THING_NOT_FOUND', type: 'urn:relata:problem:thing-not-found' });
  });

  it('lists every bad field of a validation failure', () => {
    const problem = toProblem(new ValidationFailedError([{ field: 'email', messages: ['email must be an email'] }]));
    expect(problem).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'email', messages: ['email must be an email'] }],
    });
  });

  it('maps a revision conflict to 409 with expected and actual revisions', () => {
    expect(toProblem(new WrongExpectedRevisionError('customer-1', 2n, 5n))).toMatchObject({
      status: 409,
      code: 'REVISION_CONFLICT',
      expectedRevision: '2',
      actualRevision: '5',
    });
  });

  it('hides the message of an unexpected error behind a 500', () => {
    expect(toProblem(new Error('secret internals'))).toMatchObject({
      status: 500,
      code: 'INTERNAL_ERROR',
      detail: 'An unexpected error occurred',
    });
  });
});
