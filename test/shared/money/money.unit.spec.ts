import {
  addMoney,
  averageMoney,
  currencyExponent,
  formatMoney,
  MoneyTotals,
  parseMoneyToMinorUnits,
  roundMoney,
  sumMoney,
  toMinorUnits,
} from '../../../src/shared/money/money';

describe('money', () => {
  it('knows the minor unit of each currency from ISO 4217', () => {
    expect(['JPY', 'USD', 'EUR', 'GBP', 'BHD', 'KWD'].map(currencyExponent)).toEqual([0, 2, 2, 2, 3, 3]);
  });

  it('refuses a code that is not a currency with a stable code', () => {
    expect(() => currencyExponent('XYZ')).toThrow(expect.objectContaining({ code: 'UNKNOWN_CURRENCY', status: 422 }));
  });

  it('adds without float noise: 10.02 + 114.91 is 124.93', () => {
    expect(10.02 + 114.91).toBe(124.92999999999999);
    expect(addMoney(10.02, 114.91, 'EUR')).toBe(124.93);
    expect(addMoney(41.31, 83.62, 'EUR')).toBe(124.93);
    expect(JSON.stringify(sumMoney([10.02, 114.91], 'GBP'))).toBe('124.93');
    expect(sumMoney([0.1, 0.2], 'USD')).toBe(0.3);
  });

  it('rounds half away from zero to the minor unit, float noise dropped', () => {
    expect(roundMoney(1.005, 'EUR')).toBe(1.01);
    expect(roundMoney(-1.005, 'EUR')).toBe(-1.01);
    expect(roundMoney(1000.5, 'JPY')).toBe(1001);
    expect(roundMoney(0.0005, 'KWD')).toBe(0.001);
    expect(averageMoney(100, 3, 'USD')).toBe(33.33);
    expect(averageMoney(100, 0, 'USD')).toBe(0);
  });

  it('formats with exactly the currency digits', () => {
    expect(formatMoney(124.93, 'EUR')).toBe('124.93');
    expect(formatMoney(1000, 'JPY')).toBe('1000');
    expect(formatMoney(0.5, 'BHD')).toBe('0.500');
    expect(formatMoney(-0.05, 'USD')).toBe('-0.05');
  });

  it('parses decimal strings without a float', () => {
    expect(parseMoneyToMinorUnits('124.93', 'EUR')).toBe(12493);
    expect(parseMoneyToMinorUnits('.75', 'USD')).toBe(75);
    expect(parseMoneyToMinorUnits('-2.555', 'USD')).toBe(-256);
    expect(parseMoneyToMinorUnits('1000', 'JPY')).toBe(1000);
    expect(parseMoneyToMinorUnits('abc', 'USD')).toBeNull();
    expect(parseMoneyToMinorUnits('.', 'USD')).toBeNull();
    expect(toMinorUnits(1.234, 'KWD')).toBe(1234);
  });

  it('keeps totals per currency, never one across them', () => {
    const totals = new MoneyTotals().add('EUR', 20).add('USD', 100).add('JPY', 1000).add('EUR', 0.1).add('EUR', 0.2);
    expect(totals.toAmounts()).toEqual({ EUR: 20.3, JPY: 1000, USD: 100 });
  });
});
