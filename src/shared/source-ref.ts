/**
 * Where an imported record comes from: the source system and the record's id there (CDNOW customer
 * "4", Online Retail CustomerID "17850", CFPB Complaint ID "3156483"). An identifier like the
 * customer's own id, readable (not personal data): meaningless without the source system.
 */
export interface SourceRef {
  system: string;
  id: string;
}
