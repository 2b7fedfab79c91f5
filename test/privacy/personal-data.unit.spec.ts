import { indexPersonalData, valueAt, withValuesAt } from '../../src/shared/privacy/personal-data';
import { ALL_PERSONAL_DATA } from '../../src/all-personal-data';

describe('personal-data specs', () => {
  it('the application declares each event type once, with dotted paths', () => {
    const index = indexPersonalData(ALL_PERSONAL_DATA);
    expect(index.get('CustomerRegistered')?.fields).toEqual(['name', 'email', 'phone', 'company']);
    expect(index.get('ComplaintRegistered')?.subject).toEqual({ path: 'customerId', from: 'stream-start' });
  });

  it('refuses a type declared twice, a malformed path, and an encrypted subject id', () => {
    const spec = { eventType: 'X', subject: { path: 'id' }, fields: ['name'] };
    expect(() => indexPersonalData([spec, spec])).toThrow('declared twice');
    expect(() => indexPersonalData([{ ...spec, fields: ['a..b'] }])).toThrow('not a dotted path');
    expect(() => indexPersonalData([{ ...spec, fields: ['id'] }])).toThrow('cannot itself be encrypted');
  });

  it('reads and replaces values at dotted paths, copying only what changes', () => {
    const data = { id: 'c-1', changes: { name: 'Ana', phone: null }, lines: [{ product: 'CD' }] };
    expect(valueAt(data, 'changes.name')).toBe('Ana');
    expect(valueAt(data, 'changes.name.first')).toBeUndefined();
    expect(valueAt(data, 'lines.0')).toBeUndefined();

    const changed = withValuesAt(
      data,
      new Map<string, unknown>([
        ['changes.name', 'X'],
        ['changes.email', 'absent'],
        ['missing.path', 1],
      ]),
    ) as typeof data;
    expect(changed).toEqual({ id: 'c-1', changes: { name: 'X', phone: null }, lines: [{ product: 'CD' }] });
    expect(data.changes.name).toBe('Ana');
    expect(changed.lines).toBe(data.lines);
  });
});
