import { Controller, Get, Module, Param, type PipeTransform, Query as QueryParams } from '@nestjs/common';
import { CqrsModule, Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError, ValidationFailedError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import { ConsistencyQueryDto } from '../customers/dto/customer-queries.dto';
import { SOURCE_ID_PATTERN } from '../shared/http/source-ref.dto';
import { SOURCE_IDS_PROJECTION, SOURCE_RECORDS_COLLECTION, type SourceRecordDoc, type SourceRecordKind } from './source-ids.projection';
import { normaliseSourceId } from './source-ids';

export interface SourceLookupView {
  system: string;
  sourceId: string;
  /** The records imported under this id: a customer, a complaint, or both. */
  records: { kind: SourceRecordKind; id: string; since: string; href: string }[];
}

const HREF: Record<SourceRecordKind, (id: string) => string> = {
  customer: (id) => `/customers/${id}`,
  complaint: (id) => `/complaints/${id}`,
};

export class LookUpSourceIdQuery extends Query<SourceLookupView> {
  constructor(
    readonly system: string,
    readonly sourceId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

@QueryHandler(LookUpSourceIdQuery)
export class LookUpSourceIdHandler implements IQueryHandler<LookUpSourceIdQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ system, sourceId, minPosition }: LookUpSourceIdQuery): Promise<SourceLookupView> {
    await this.readModels.ensureCaughtUp(SOURCE_IDS_PROJECTION, minPosition);
    const normalised = normaliseSourceId(system, sourceId);
    const records: SourceLookupView['records'] = [];
    for await (const doc of this.readModels
      .collection<SourceRecordDoc>(SOURCE_IDS_PROJECTION, SOURCE_RECORDS_COLLECTION)
      .findAll({ system, sourceId: normalised }, { kind: 1 })) {
      records.push({ kind: doc.kind, id: doc.id, since: doc.since, href: HREF[doc.kind](doc.id) });
    }
    if (records.length === 0)
      throw new NotFoundError('SOURCE_RECORD_NOT_FOUND', 'Nothing was imported under this source id', { system, sourceId });
    return { system, sourceId: normalised, records };
  }
}

/** A path parameter that must match a pattern (the rules a source reference is registered under). */
const matching = (name: string, pattern: RegExp, rule: string): PipeTransform<string, string> => ({
  transform(value: string): string {
    if (!pattern.test(value)) throw new ValidationFailedError([{ field: name, messages: [`${name} must be ${rule}`] }]);
    return value;
  },
});
const SYSTEM = matching('system', /^[a-z0-9][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes (at most 40)');
const SOURCE_ID = matching('sourceId', SOURCE_ID_PATTERN, '1 to 100 printable ASCII characters');

/** Look up by source id: GET /sources/cdnow/00004, /sources/online-retail/17850, /sources/cfpb/3156483. */
@Controller('sources')
export class SourceLookupController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':system/:sourceId')
  async lookUp(
    @Param('system', SYSTEM) system: string,
    @Param('sourceId', SOURCE_ID) sourceId: string,
    @QueryParams() query: ConsistencyQueryDto,
  ) {
    return this.queries.execute(new LookUpSourceIdQuery(system, sourceId, query.minPosition));
  }
}

@Module({ imports: [CqrsModule], controllers: [SourceLookupController], providers: [LookUpSourceIdHandler] })
export class SourceLookupModule {}
