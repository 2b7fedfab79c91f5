import { COMPLAINT_PERSONAL_DATA } from './complaints/complaint.personal-data';
import { CUSTOMER_PERSONAL_DATA } from './customers/customer.personal-data';
import type { PersonalDataSpec } from './shared/privacy/personal-data';

/**
 * Every event field that holds personal data, from every feature: the composition roots (app,
 * CLIs that append) hand these to the kernel, which encrypts them per data subject.
 */
export const ALL_PERSONAL_DATA: readonly PersonalDataSpec[] = [...CUSTOMER_PERSONAL_DATA, ...COMPLAINT_PERSONAL_DATA];
