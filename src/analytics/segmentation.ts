/**
 * Scoring every customer as of an instant, for a segmentation run. Pure.
 *
 * - RFM (scheme `rfm`): the customers with at least one purchase on or before the asOf day (UTC
 *   days); recency = days from the last purchase day to the asOf day, frequency = purchase days,
 *   monetary = total spend; quintile scores and named segments as in segments/rfm.ts.
 * - Value matrix (scheme `value-matrix`): customers who had become customers by asOf (business
 *   time) whose current value or potential value (value-matrix/potential-value.ts: suggestions open
 *   at asOf plus the CLV model's expected future value) is positive; terciles of each, cells as in
 *   segments/value-matrix.ts.
 *
 * The status (deactivated or not) is not looked at: the read model knows only the current one,
 * not the one at asOf, and a lapsed customer is what RFM is there to show.
 */
import { dayNumber } from './clv/summary';
import { type CustomerValueDoc } from './customer-value.projection';
import type { ClvModelData } from './clv-model.events';
import { purchasesOf } from './customer-value';
import { unmatchedRefundsUpTo } from './customer-value-refunds';
import { type CustomerValuation, CustomerValuer, modelAsOf, type Valuation, valueBasisOf } from './value-matrix/potential-value';
import { rfmInputsFromPurchases, RFM_SEGMENTS, scoreRfm } from './segments/rfm';
import { VALUE_MATRIX_CELLS, VALUE_TIERS, valueMatrix } from './segments/value-matrix';
import type { SegmentScheme, SegmentScores } from './segmentation.events';

export interface SegmentPlacement {
  segment: string;
  scores: SegmentScores;
}

export type Segmentation = Record<SegmentScheme, Map<string, SegmentPlacement>> & {
  /** How the value matrix valued the customers. */
  valuation: Valuation;
};

/** Every segment name of a scheme, in display order. */
export const SEGMENT_NAMES: Record<SegmentScheme, readonly string[]> = {
  rfm: RFM_SEGMENTS,
  'value-matrix': VALUE_TIERS.slice()
    .reverse()
    .flatMap((current) =>
      VALUE_TIERS.slice()
        .reverse()
        .map((potential) => VALUE_MATRIX_CELLS[current][potential]),
    ),
};

/** The scheme a segment name belongs to (the names of the two schemes do not overlap). */
export function schemeOfSegment(name: string): SegmentScheme | null {
  for (const scheme of Object.keys(SEGMENT_NAMES) as SegmentScheme[]) {
    if (SEGMENT_NAMES[scheme].includes(name)) return scheme;
  }
  return null;
}

/**
 * Values the population with the model, or without it when the model cannot value one of them (a
 * degenerate fit on too little data makes the series diverge): one basis for the whole matrix.
 */
function valueAll(
  population: readonly CustomerValueDoc[],
  model: ClvModelData | null,
  asOf: Date,
): { valuer: CustomerValuer; values: (CustomerValuation & { customerId: string })[] } {
  const basis = valueBasisOf(population);
  const valueWith = (valuer: CustomerValuer) => ({
    valuer,
    values: population.map((doc) => ({ customerId: doc.customerId, ...valuer.value(doc) })),
  });
  if (model === null) return valueWith(new CustomerValuer(basis, null, asOf));
  try {
    return valueWith(new CustomerValuer(basis, model, asOf));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const fallback = valueWith(new CustomerValuer(basis, null, asOf));
    fallback.valuer.valuation.modelUnusable = `model ${model.modelId}: ${error.message}`;
    return fallback;
  }
}

export interface SegmentationOptions {
  /** Fitted CLV models (any order): the latest one calibrated up to asOf values the potential. */
  models?: readonly (ClvModelData & { revision: number })[];
}

export function segmentCustomers(docs: readonly CustomerValueDoc[], asOf: Date, options: SegmentationOptions = {}): Segmentation {
  const asOfIso = asOf.toISOString();
  const asOfDay = dayNumber(asOfIso);

  const purchases = docs.flatMap((doc) => purchasesOf(doc, asOfDay));
  const rfm = new Map<string, SegmentPlacement>();
  // Monetary is net: refunds of recorded purchases are already off their days; the others come off here.
  const docsById = new Map(docs.map((doc) => [doc.customerId, doc]));
  const rfmInputs = rfmInputsFromPurchases(purchases, asOfIso).map((input) => {
    const refunds = unmatchedRefundsUpTo(docsById.get(input.customerId)!, asOfDay);
    return refunds === 0 ? input : { ...input, monetary: input.monetary - refunds };
  });
  for (const score of scoreRfm(rfmInputs)) {
    rfm.set(score.customerId, {
      segment: score.segment,
      scores: {
        r: score.r,
        f: score.f,
        m: score.m,
        code: score.code,
        recencyDays: score.recency,
        frequency: score.frequency,
        monetary: score.monetary,
      },
    });
  }

  // Customers by business time: those who had become customers by asOf.
  const population = docs.filter((doc) => (doc.customerSince ?? doc.registeredAt) <= asOfIso);
  const { valuer, values } = valueAll(population, modelAsOf(options.models ?? [], asOf), asOf);
  const inputs = values
    .filter((c) => c.currentValue > 0 || c.potentialValue > 0)
    .sort((p, q) => (p.customerId < q.customerId ? -1 : p.customerId > q.customerId ? 1 : 0));
  const matrix = new Map<string, SegmentPlacement>();
  const byId = new Map(inputs.map((input) => [input.customerId, input]));
  for (const entry of valueMatrix(inputs).customers) {
    const { suggestedValue, expectedFutureValue } = byId.get(entry.customerId)!;
    matrix.set(entry.customerId, {
      segment: entry.cell,
      scores: {
        currentTier: entry.currentTier,
        potentialTier: entry.potentialTier,
        currentValue: entry.currentValue,
        potentialValue: entry.potentialValue,
        suggestedValue,
        ...(expectedFutureValue !== null ? { expectedFutureValue } : {}),
      },
    });
  }
  return { rfm, 'value-matrix': matrix, valuation: valuer.valuation };
}
