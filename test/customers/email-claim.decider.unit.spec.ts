import { spec } from '../support/decider-spec';
import { createHash } from 'node:crypto';
import {
  emailClaimDecider,
  emailClaimStream,
  type EmailClaimEvent,
  type HolderStatus,
  legacyEmailClaimStream,
} from '../../src/customers/email-claim.decider';

const NOW = '2026-03-10T12:00:00.000Z';
const claimedBy = (customerId: string): EmailClaimEvent => ({ type: 'EmailClaimed', data: { customerId, claimedAt: NOW } });
const releasedBy = (customerId: string): EmailClaimEvent => ({ type: 'EmailReleased', data: { customerId, releasedAt: NOW } });
const claims = spec(emailClaimDecider);

describe('email claim decider', () => {
  const claim = (customerId: string, holderStatus: HolderStatus = 'active', now = NOW) => ({
    type: 'ClaimEmail' as const,
    data: { customerId, holderStatus },
    now,
  });
  const release = (customerId: string) => ({ type: 'ReleaseEmail' as const, data: { customerId }, now: NOW });

  it('claims a free email', () =>
    claims
      .given([])
      .when(claim('a'))
      .then([claimedBy('a')]));
  it('claims an email released before', () =>
    claims
      .given([claimedBy('a'), releasedBy('a')])
      .when(claim('b'))
      .then([claimedBy('b')]));
  it('claiming again for the same customer changes nothing', () =>
    claims
      .given([claimedBy('a')])
      .when(claim('a'))
      .thenNothing());
  it('refuses an email an active customer holds', () =>
    claims
      .given([claimedBy('a')])
      .when(claim('b', 'active'))
      .thenFails('EMAIL_ALREADY_IN_USE', 422));
  it('takes over the claim of a deactivated customer', () =>
    claims
      .given([claimedBy('a')])
      .when(claim('b', 'inactive'))
      .then([claimedBy('b')]));
  it('refuses while the holder’s registration is in flight (claim younger than a minute)', () =>
    claims
      .given([claimedBy('a')])
      .when(claim('b', 'missing', '2026-03-10T12:00:59.000Z'))
      .thenFails('EMAIL_ALREADY_IN_USE'));
  it('takes over a stale claim whose customer never came to be', () =>
    claims
      .given([claimedBy('a')])
      .when(claim('b', 'missing', '2026-03-10T12:01:00.000Z'))
      .then([{ type: 'EmailClaimed', data: { customerId: 'b', claimedAt: '2026-03-10T12:01:00.000Z' } }]));
  it('releases the holder’s claim', () =>
    claims
      .given([claimedBy('a')])
      .when(release('a'))
      .then([releasedBy('a')]));
  it('a release by someone else changes nothing', () =>
    claims
      .given([claimedBy('a')])
      .when(release('b'))
      .thenNothing());

  it('names the claim stream by a keyed hash of the normalised email, never the email itself nor its plain hash', () => {
    const secret = Buffer.alloc(32, 7);
    expect(emailClaimStream(secret, ' Ana@Example.COM ')).toBe(emailClaimStream(secret, 'ana@example.com'));
    expect(emailClaimStream(secret, 'ana@example.com')).toMatch(/^customer-email-[0-9a-f]{64}$/);
    expect(emailClaimStream(Buffer.alloc(32, 8), 'ana@example.com')).not.toBe(emailClaimStream(secret, 'ana@example.com'));
    const plain = createHash('sha256').update('ana@example.com').digest('hex');
    expect(emailClaimStream(secret, 'ana@example.com')).not.toContain(plain);
    expect(legacyEmailClaimStream(' Ana@Example.COM ')).toBe(`customer-email-${plain}`);
  });
});
