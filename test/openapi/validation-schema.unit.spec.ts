import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { dtoProperties, dtoSchema, exampleBody, isValidatedDto } from '../../src/openapi/validation-schema';
import { relataValidationPipe } from '../../src/shared/http/validation';

/** Fixtures of every kind of rule the bridge reads; the application's own DTOs are covered in openapi.int.spec.ts. */
enum Colour {
  Red = 'red',
  Blue = 'blue',
}

class LineFixture {
  @IsString() @Length(2, 20) product!: string;
  @IsInt() @Min(1) @Max(9) quantity!: number;
}

class BaseFixture {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit: number = 50;
}

class OrderFixture extends BaseFixture {
  @IsUUID() customerId!: string;
  @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  @IsIn(['web', 'store']) channel!: 'web' | 'store';
  @IsEnum(Colour) colour!: Colour;
  @IsISO8601({ strict: true }) at!: string;
  @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/) @IsISO8601({ strict: true }) day?: string;
  @IsNumber({ maxDecimalPlaces: 2 }) @Min(0) total!: number;
  @IsBoolean() gift!: boolean;
  @ValidateNested({ each: true }) @Type(() => LineFixture) @ArrayMinSize(1) @ArrayMaxSize(5) lines!: LineFixture[];
  @ValidateNested() @Type(() => LineFixture) main!: LineFixture;
  @IsOptional() @ArrayUnique() @IsIn(['a', 'b'], { each: true }) tags?: string[];
  @ValidateIf((_, value) => value !== null && value !== undefined) @IsString() @Length(1, 10) note?: string | null;
}

class NoRules {}

const byName = (dto: Parameters<typeof dtoProperties>[0]) =>
  Object.fromEntries(dtoProperties(dto).map((property) => [property.name, property]));

describe('class-validator metadata to OpenAPI schemas', () => {
  const props = byName(OrderFixture);

  it('reads types, formats, enums and bounds', () => {
    expect(props.customerId.schema).toMatchObject({ type: 'string', format: 'uuid' });
    expect(props.email.schema).toMatchObject({ type: 'string', format: 'email', maxLength: 254 });
    expect(props.channel.schema).toMatchObject({ type: 'string', enum: ['web', 'store'] });
    expect(props.colour.schema).toMatchObject({ type: 'string', enum: ['red', 'blue'] });
    expect(props.at.schema).toMatchObject({ type: 'string', format: 'date-time' });
    expect(props.day.schema).toMatchObject({ type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
    expect(props.total.schema).toMatchObject({ type: 'number', minimum: 0 });
    expect(props.gift.schema).toMatchObject({ type: 'boolean' });
    expect(props.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200, default: 50 });
  });

  it('describes arrays, their items and nested DTOs', () => {
    expect(props.lines.schema).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 5,
      items: { $ref: '#/components/schemas/LineFixture' },
    });
    expect(props.lines.nested).toBe(LineFixture);
    expect(props.main.nested).toBe(LineFixture);
    expect(props.tags.schema).toMatchObject({ type: 'array', uniqueItems: true, items: { type: 'string', enum: ['a', 'b'] } });
  });

  it('tells required from optional (inherited properties included) and marks ValidateIf-null as nullable', () => {
    expect(props.customerId.required).toBe(true);
    expect(props.email.required).toBe(false);
    expect(props.limit.required).toBe(false);
    expect(props.note).toMatchObject({ required: false, schema: { nullable: true } });
    expect(props.email.schema.nullable).toBeUndefined();
  });

  it('builds the object schema with references and registers nested DTOs', () => {
    const nested: unknown[] = [];
    const schema = dtoSchema(OrderFixture, (dto) => nested.push(dto));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['customerId', 'channel', 'colour', 'at', 'total', 'gift', 'lines', 'main']));
    expect(schema.required).not.toContain('email');
    expect(schema.properties?.main).toEqual({ $ref: '#/components/schemas/LineFixture' });
    expect(nested).toContain(LineFixture);
  });

  it('gives examples that satisfy the rules: the example body passes the validation pipe', async () => {
    const body = exampleBody(OrderFixture);
    expect(body).toMatchObject({
      customerId: expect.any(String),
      channel: 'web',
      colour: 'red',
      lines: [{ quantity: 5 }],
      day: '2026-03-10',
    });
    await expect(relataValidationPipe().transform(body, { type: 'body', metatype: OrderFixture })).resolves.toBeInstanceOf(OrderFixture);
  });

  it('knows a class without rules is not a DTO it can describe', () => {
    expect(isValidatedDto(NoRules)).toBe(false);
    expect(isValidatedDto(OrderFixture)).toBe(true);
    expect(dtoProperties(NoRules)).toEqual([]);
  });
});
