import { RegisterComplaintCommand } from '../complaints/complaint-command.handlers';
import { commandResult } from '../shared/http/command-response';
import type { ComplaintChannel, ComplaintSourceAttributes } from '../complaints/complaint.events';
import { RegisterComplaintDto } from '../complaints/dto/complaint-commands.dto';
import { importIdempotencyKey } from './deterministic-ids';
import type { ImportedComplaint, ImportItem } from './import-records';
import type { Plan } from './import-plan';
import { customerIdForKey, type ImportSession, RecordRefused } from './import-session';

/** The API's limit on a complaint description (RegisterComplaintDto). */
const DESCRIPTION_MAX = 10_000;

export const IMPORT_NOTE_REASONS = {
  /** A CFPB narrative longer than the API accepts, cut to fit. */
  descriptionTruncated: 'description-truncated',
} as const;

/** CFPB company responses that end the case ("Closed with explanation", "Closed with monetary relief", ...); "In progress" and "Untimely response" leave it open. */
const CLOSED_RESPONSE = /^closed\b/i;

/** CFPB complaints: each registered (with its anonymous consumer), acknowledged and closed as the export says. */
export function complaintPlan(
  session: ImportSession,
  autoAckChannels: readonly ComplaintChannel[],
  items: AsyncGenerator<ImportItem<ImportedComplaint>>,
): Plan<ImportedComplaint> {
  const autoAcknowledged = new Set<ComplaintChannel>(autoAckChannels);
  return {
    source: 'cfpb',
    items,
    lane: (record) => record.sourceKey,
    async importRecord(record, lines) {
      const complaintKey = importIdempotencyKey('cfpb', 'complaint', record.sourceKey);
      const customerId = customerIdForKey(importIdempotencyKey('cfpb', 'customer', record.sourceKey));
      const description = descriptionOf(session, record, lines);
      // The CFPB sends a complaint to the company on "Date sent to company": the company's acknowledgement.
      // A response "Closed ..." closes it; the export dates no response, so the closure takes the
      // last date it gives (the company had the complaint then; a later date would be invented).
      const closed = record.companyResponse !== null && CLOSED_RESPONSE.test(record.companyResponse);
      const acknowledgedAt = record.sentToCompanyAt ?? (closed ? record.receivedAt : null);
      const closedAt = closed ? acknowledgedAt : null;
      // Validated before anything is sent, so a complaint the API would refuse leaves no customer behind.
      const dto = await session.validated(RegisterComplaintDto, {
        customerId,
        channel: record.channel,
        category: record.product,
        subCategory: record.issue,
        ...(record.subProduct !== null ? { product: record.subProduct } : {}),
        description,
        occurredAt: record.receivedAt,
        receivedAt: record.receivedAt,
        ...(acknowledgedAt !== null ? { acknowledgedAt } : {}),
        source: { system: 'cfpb', id: record.sourceKey },
      });
      // The anonymous consumer is known from the complaint on; the Complaint ID is the complaint's source id, not theirs.
      await session.registerCustomer('cfpb', record.sourceKey, `CFPB consumer ${record.sourceKey}`, record.receivedAt, null);
      const data = {
        customerId: dto.customerId,
        channel: dto.channel,
        category: dto.category,
        subCategory: dto.subCategory ?? null,
        product: dto.product ?? null,
        description: dto.description,
        remedySought: null,
        occurredAt: dto.occurredAt ?? record.receivedAt,
        followUpOf: null,
        receivedAt: record.receivedAt,
        ...(acknowledgedAt !== null ? { acknowledgedAt } : {}),
        source: { system: 'cfpb', id: record.sourceKey },
        sourceAttributes: sourceAttributesOf(record),
        ...(closedAt !== null ? { closedAt } : {}),
      };
      const registered = await session.send(new RegisterComplaintCommand(data, session.context(complaintKey)));
      // Without a date sent to company (none in the sample): acknowledged when imported, as before.
      if (acknowledgedAt === null && !autoAcknowledged.has(record.channel)) await acknowledge(session, registered.id, complaintKey);
      session.counted(registered, lines, `complaint ${record.sourceKey}`);
    },
  };
}

/** The narrative, or "Issue / Sub-issue" when none was published; cut (with a note) to the API's limit. */
function descriptionOf(session: ImportSession, record: ImportedComplaint, lines: number[]): string {
  const description = record.narrative ?? [record.issue, record.subIssue].filter((part) => part !== null).join(' / ');
  if (description.length <= DESCRIPTION_MAX) return description;
  session.report.add({
    type: 'note',
    reason: IMPORT_NOTE_REASONS.descriptionTruncated,
    lines,
    detail: `complaint ${record.sourceKey}: narrative of ${description.length.toLocaleString('en-US')} characters cut to ${DESCRIPTION_MAX.toLocaleString('en-US')}`,
  });
  return `${description.slice(0, DESCRIPTION_MAX - 1)}…`;
}

/** Every column of the export the complaint's own fields do not hold, as given. */
function sourceAttributesOf(record: ImportedComplaint): ComplaintSourceAttributes {
  return {
    company: record.company,
    state: record.state,
    zip: record.zip,
    issue: record.issue,
    subIssue: record.subIssue,
    tags: record.tags.length > 0 ? record.tags.join(', ') : null,
    consent: record.consumerConsent,
    sourceChannel: record.sourceChannel,
    companyResponse: record.companyResponse,
    companyPublicResponse: record.companyPublicResponse,
    timely: record.timely,
    disputed: record.disputed,
  };
}

async function acknowledge(session: ImportSession, complaintId: string, complaintKey: string): Promise<void> {
  try {
    await session.send(async () =>
      commandResult(
        complaintId,
        await session.complaintStream.handle(complaintId, { type: 'AcknowledgeComplaint' }, session.context(`${complaintKey}:acknowledge`)),
      ),
    );
  } catch (error) {
    // Acknowledged on receipt by an earlier run configured to do so: nothing left to do.
    if (!(error instanceof RecordRefused && error.code === 'COMPLAINT_ALREADY_ACKNOWLEDGED')) throw error;
  }
}
