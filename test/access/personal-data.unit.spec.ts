import { MASK, maskPersonalCsv, maskPersonalData } from '../../src/access/personal-data';
import { type Principal, seesMaskedPersonalData } from '../../src/access/roles';

describe('personal data masking', () => {
  it('masks personal fields at any depth; ids, numbers, nulls and empty strings stay', () => {
    const profile = {
      id: 'c-1',
      name: 'Ana Lima',
      email: 'ana@example.com',
      phone: null,
      company: '',
      currentValue: { revenue: 120 },
      notes: [{ note: 'Called about Joe', author: 'agent-7' }],
      complaints: [{ complaintId: 'k-1', description: 'Charged twice', status: 'open' }],
      labels: ['x'],
    };
    expect(maskPersonalData(profile)).toEqual({
      id: 'c-1',
      name: MASK,
      email: MASK,
      phone: null,
      company: '',
      currentValue: { revenue: 120 },
      notes: [{ note: MASK, author: 'agent-7' }],
      complaints: [{ complaintId: 'k-1', description: MASK, status: 'open' }],
      labels: ['x'],
    });
    expect(profile.name).toBe('Ana Lima');
    expect(maskPersonalData({ items: [{ name: 'A' }, { name: 'B' }], nextCursor: null })).toEqual({
      items: [{ name: MASK }, { name: MASK }],
      nextCursor: null,
    });
    expect(maskPersonalData({ name: { first: 'Ana', last: 'Lima' } })).toEqual({ name: { first: MASK, last: MASK } });
    expect(maskPersonalData('text')).toBe('text');
  });

  it('masks the cells of personal CSV columns and leaves the rest byte for byte', () => {
    const csv = 'customerId,name,currentValue.revenue,notes.0.note\r\nc-1,"Lima, Ana",120,"said ""hi"""\r\nc-2,,80,\r\nc-3,\'=cmd,7,x\r\n';
    expect(maskPersonalCsv(csv)).toBe(
      `customerId,name,currentValue.revenue,notes.0.note\r\nc-1,${MASK},120,${MASK}\r\nc-2,,80,\r\nc-3,${MASK},7,${MASK}\r\n`,
    );
    expect(maskPersonalCsv('scheme,segment,customers\r\nrfm,champions,3\r\n')).toBe('scheme,segment,customers\r\nrfm,champions,3\r\n');
    expect(maskPersonalCsv('name\nAna\nBruno')).toBe(`name\n${MASK}\n${MASK}`);
    expect(maskPersonalCsv('')).toBe('');
  });

  it('applies to principals without pii and without an operational role', () => {
    const who = (roles: Principal['roles'], pii = false): Principal => ({ subject: 's', roles, pii, via: 'jwt' });
    expect(seesMaskedPersonalData(who(['analyst']))).toBe(true);
    expect(seesMaskedPersonalData(who(['auditor']))).toBe(true);
    expect(seesMaskedPersonalData(who(['analyst'], true))).toBe(false);
    expect(seesMaskedPersonalData(who(['analyst', 'agent']))).toBe(false);
    expect(seesMaskedPersonalData(who(['supervisor']))).toBe(false);
    expect(seesMaskedPersonalData(who(['admin']))).toBe(false);
  });
});
