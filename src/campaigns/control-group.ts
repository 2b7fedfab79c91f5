import { createHash } from 'node:crypto';
import type { CampaignGroup } from './campaign.events';

/**
 * The control group: random but seeded. Members are ordered by a hash of (seed, customer id) and
 * the first round(fraction x members) of that order are held out. The draw depends on the set of
 * members only (not on the order they were read in), so a resumed launch draws the same group,
 * and anyone holding the seed and the member list can check it.
 */
export function drawControlGroup(customerIds: readonly string[], seed: string, fraction: number): Map<string, CampaignGroup> {
  const keyed = [...new Set(customerIds)].map((customerId) => ({
    customerId,
    key: createHash('sha256').update(`${seed}:${customerId}`).digest('hex'),
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.customerId < b.customerId ? -1 : 1));
  const control = Math.round(fraction * keyed.length);
  return new Map(keyed.map(({ customerId }, index) => [customerId, index < control ? 'control' : 'treatment']));
}
