import { spec } from '../support/decider-spec';
import {
  type DepartmentNameClaimCommand,
  departmentNameClaimDecider,
  type DepartmentNameClaimEvent,
  departmentNameStream,
  type NameHolderStatus,
} from '../../src/departments/department-name-claim.decider';

const NOW = '2026-03-10T12:00:00.000Z';
const claims = spec(departmentNameClaimDecider);
const claimed = (departmentId: string, claimedAt = '2026-03-01T09:00:00.000Z'): DepartmentNameClaimEvent => ({
  type: 'DepartmentNameClaimed',
  data: { departmentId, claimedAt },
});
const claim = (departmentId: string, holderStatus: NameHolderStatus = 'holds', now = NOW): DepartmentNameClaimCommand => ({
  type: 'ClaimDepartmentName',
  data: { departmentId, name: 'Billing', holderStatus },
  now,
});

describe('department name claims', () => {
  it('names one stream for every spelling that differs in case or spaces only', () => {
    const stream = departmentNameStream('Billing');
    expect(stream).toMatch(/^department-name-[0-9a-f]{64}$/);
    for (const name of ['billing', ' BILLING ', 'Bil ling', 'Billing\t']) expect(departmentNameStream(name)).toBe(stream);
    expect(departmentNameStream('Billings')).not.toBe(stream);
  });

  it('claims a free name', () =>
    claims
      .given([])
      .when(claim('d-1'))
      .then([{ type: 'DepartmentNameClaimed', data: { departmentId: 'd-1', claimedAt: NOW } }]));

  it('records nothing when the department already holds it', () =>
    claims
      .given([claimed('d-1')])
      .when(claim('d-1'))
      .thenNothing());

  it('refuses a name another department carries', () =>
    claims
      .given([claimed('d-1')])
      .when(claim('d-2', 'holds'))
      .thenFails('DEPARTMENT_NAME_TAKEN', 422));

  it('takes over a claim whose holder was renamed without releasing it', () =>
    claims
      .given([claimed('d-1')])
      .when(claim('d-2', 'renamed'))
      .then([{ type: 'DepartmentNameClaimed', data: { departmentId: 'd-2', claimedAt: NOW } }]));

  it('waits for a creation in flight, then takes over a claim whose department never came to exist', () => {
    claims
      .given([claimed('d-1', '2026-03-10T11:59:30.000Z')])
      .when(claim('d-2', 'missing'))
      .thenFails('DEPARTMENT_NAME_TAKEN');
    claims
      .given([claimed('d-1', '2026-03-10T11:58:00.000Z')])
      .when(claim('d-2', 'missing'))
      .then([{ type: 'DepartmentNameClaimed', data: { departmentId: 'd-2', claimedAt: NOW } }]);
  });

  it('releases only the holder', () => {
    const release = (departmentId: string): DepartmentNameClaimCommand => ({
      type: 'ReleaseDepartmentName',
      data: { departmentId },
      now: NOW,
    });
    claims
      .given([claimed('d-1')])
      .when(release('d-1'))
      .then([{ type: 'DepartmentNameReleased', data: { departmentId: 'd-1', releasedAt: NOW } }]);
    claims
      .given([claimed('d-1')])
      .when(release('d-2'))
      .thenNothing();
  });
});
