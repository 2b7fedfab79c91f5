import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * Decimal places of a finite number as JavaScript prints it, exponent form included: 5e-324 has
 * 324, 1.5e-7 has 8, 1e21 none. class-validator's IsNumber({ maxDecimalPlaces }) reads only the
 * digits after a '.', so a number printed in exponent form without one made it throw (a 500).
 */
export function decimalPlaces(value: number): number {
  const [mantissa, exponent = '0'] = Math.abs(value).toString().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/**
 * A finite number with at most `maxDecimalPlaces` decimals: what IsNumber({ allowNaN: false,
 * allowInfinity: false, maxDecimalPlaces }) means, for every number a JSON body can carry. It is
 * registered under IsNumber's name and message, so the OpenAPI document (src/openapi/validation-schema.ts)
 * and the 400 problem's messages read as before.
 */
export function IsDecimalNumber(options: { maxDecimalPlaces: number }, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isNumber',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [options],
      options: { message: '$property must be a number conforming to the specified constraints', ...validationOptions },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isFinite(value) && decimalPlaces(value) <= options.maxDecimalPlaces,
      },
    });
  };
}
