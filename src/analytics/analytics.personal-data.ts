import type { EventDataInventory } from '../shared/privacy/personal-data';

/** Analytics events hold ids, segment names, scores and model parameters: no personal data. */
export const ANALYTICS_PERSONAL_DATA: readonly EventDataInventory[] = [
  {
    eventType: 'ClvModelFitted',
    personal: [],
    notPersonal: [
      'modelId',
      'calibrationEnd',
      'unit',
      'fittedAt',
      // The holdout check: dates and period bounds of the model check, aggregates over all customers.
      'holdoutCheck.calibrationEnd',
      'holdoutCheck.holdoutEnd',
      'holdoutCheck.unit',
      'holdoutCheck.tracking[].from',
      'holdoutCheck.tracking[].to',
      'currency',
    ],
  },
  {
    eventType: 'CustomerSegmentChanged',
    personal: [],
    notPersonal: ['customerId', 'scheme', 'from', 'to', 'at', 'runId', 'scores.*'],
  },
  {
    eventType: 'SegmentationRunCompleted',
    personal: [],
    notPersonal: [
      'runId',
      'asOf',
      'completedAt',
      'valuation.basis',
      'valuation.modelId',
      'valuation.modelCalibrationEnd',
      'valuation.modelUnusable',
      'currency',
    ],
  },
];
