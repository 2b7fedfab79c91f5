/**
 * Which segment a customer was in, per segmentation scheme, at an instant: what an SLA policy's
 * value tiers grade by. Segmentation belongs to analytics, which depends on complaints; so
 * complaints names what it needs here and analytics provides it (the composition root wires it),
 * keeping the dependency one way.
 */
export interface CustomerSegmentsLookup {
  /** The segment per scheme (null: not in a segment of that scheme) at `at`, business time. */
  segmentsAt(customerId: string, at: string): Promise<Record<string, string | null>>;
}

export const CUSTOMER_SEGMENTS_LOOKUP = Symbol('CUSTOMER_SEGMENTS_LOOKUP');
