import { ACCESS_KEY_PERSONAL_DATA } from './access/access-key.personal-data';
import { ANALYTICS_PERSONAL_DATA } from './analytics/analytics.personal-data';
import { CAMPAIGN_PERSONAL_DATA } from './campaigns/campaign.personal-data';
import { COMPLAINT_PERSONAL_DATA } from './complaints/complaint.personal-data';
import { CUSTOMER_PERSONAL_DATA } from './customers/customer.personal-data';
import { DEPARTMENT_PERSONAL_DATA } from './departments/department.personal-data';
import { FOLLOW_UP_PERSONAL_DATA } from './follow-ups/follow-up.personal-data';
import { type EventDataInventory, type PersonalDataSpec, personalDataSpecs } from './shared/privacy/personal-data';

/**
 * Every event type of every feature, with the decision about each of its string fields (checked
 * against the code by test/privacy/personal-data-inventory.int.spec.ts).
 */
export const ALL_DATA_INVENTORY: readonly EventDataInventory[] = [
  ...CUSTOMER_PERSONAL_DATA,
  ...COMPLAINT_PERSONAL_DATA,
  ...DEPARTMENT_PERSONAL_DATA,
  ...ACCESS_KEY_PERSONAL_DATA,
  ...ANALYTICS_PERSONAL_DATA,
  ...FOLLOW_UP_PERSONAL_DATA,
  ...CAMPAIGN_PERSONAL_DATA,
];

/**
 * Every event field that holds personal data, from every feature: the composition roots (app,
 * CLIs that append) hand these to the kernel, which encrypts them per data subject.
 */
export const ALL_PERSONAL_DATA: readonly PersonalDataSpec[] = personalDataSpecs(ALL_DATA_INVENTORY);
