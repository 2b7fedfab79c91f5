/**
 * The shared, seeded benchmark data set of issue 6: N customers (default 100,000) over two
 * simulated years, about ten events per customer, with realistic skew (Pareto purchase counts,
 * lognormal amounts, a few very heavy customers), complaints walked through the ISO 10002 cycle,
 * and a few departments.
 *
 * Events come out of the real deciders (decide + evolve), so they are valid, and are appended
 * through the store stack the application uses (createEventStore with every personal-data spec:
 * personal fields are encrypted, events hash-chained, as in production). The simulation advances
 * week by week; within a week each stream's events go in one append, so the log is in time order
 * at week granularity while appends stay large. Then every projection is caught up and one
 * segmentation run records segments, so the data dir is what a server with this history would hold.
 *
 * Data sets are cached in cacheDir by (generator version, seed, customers); callers treat them as
 * read-only and copy them (copyDataDir) before writing.
 *
 * CLI: node dist-bench/bench/data-generator.js --customers N --seed S --out DIR
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_PERSONAL_DATA } from '../src/all-personal-data';
import { ALL_PROJECTIONS } from '../src/all-projections';
import { SegmentationService } from '../src/analytics/segmentation.service';
import { complaintNumberStream, formatComplaintNumber } from '../src/complaints/complaint-command.handlers';
import { type ComplaintCommand, complaintDecider, type ComplaintState } from '../src/complaints/complaint.decider';
import {
  type ComplaintChannel,
  COMPLAINT_CHANNELS,
  complaintStream,
  DIGITAL_COMPLAINT_CHANNELS,
  ROOT_CAUSE_CATEGORIES,
} from '../src/complaints/complaint.events';
import { DEFAULT_SLA_POLICY, type Severity } from '../src/complaints/sla-policy';
import { loadConfig } from '../src/config/config';
import { type CustomerCommand, customerDecider, type CustomerState } from '../src/customers/customer.decider';
import { type AcquisitionChannel, customerStream, type InteractionChannel } from '../src/customers/customer.events';
import { type DepartmentCommand, departmentDecider, type DepartmentState } from '../src/departments/department.decider';
import { departmentStream } from '../src/departments/department.events';
import { ManualClock } from '../src/shared/clock';
import { CommandProcessor } from '../src/shared/decider/command-processor';
import type { Decider, DomainEvent } from '../src/shared/decider/decider';
import type { EventStore, NewEvent } from '../src/shared/event-store/event-store.port';
import { ProjectionRunner } from '../src/shared/projections/projection-runner';
import { createEventStore, createReadStore } from '../src/shared/stores';

/** Raise when the generated events change: cached data sets of another version are not reused. */
export const GENERATOR_VERSION = 1;

export interface DataSetOptions {
  customers: number;
  seed: number;
  cacheDir: string;
  log(message: string): void;
}

export interface DataSet {
  /** A RELATA_DATA_DIR: event store, key store and read store with every projection caught up. */
  dataDir: string;
  events: number;
  customers: number;
  complaints: number;
  sample: { customerIds: string[]; departmentIds: string[]; segmentNames: string[]; from: string; to: string };
}

/** The seed and sizes every benchmark uses, so they share one cached data set. */
export const BENCH_SEED = 42;
export const FULL_CUSTOMERS = 100_000;
export const QUICK_CUSTOMERS = 2_000;

/**
 * The options of the shared data set for a benchmark run: small with --quick; RELATA_BENCH_CUSTOMERS
 * overrides the size (e.g. a mid-size run on a slow machine; the reports state the size used).
 */
export function benchDataSetOptions(context: { quick: boolean; cacheDir: string; log(message: string): void }): DataSetOptions {
  const override = Number(process.env.RELATA_BENCH_CUSTOMERS);
  const customers = Number.isInteger(override) && override > 0 ? override : context.quick ? QUICK_CUSTOMERS : FULL_CUSTOMERS;
  return { customers, seed: BENCH_SEED, cacheDir: context.cacheDir, log: context.log };
}

/** The simulated period: two years. */
export const SIMULATION_FROM = '2024-07-01T00:00:00.000Z';
export const SIMULATION_TO = '2026-07-01T00:00:00.000Z';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// ---------------------------------------------------------------- seeded PRNG

/** sfc32 (small fast counting generator) seeded through splitmix32: fast, good enough, reproducible. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Picks by weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1][0];
  }

  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Pareto with scale xm and shape alpha (heavy tail for small alpha). */
  pareto(xm: number, alpha: number): number {
    return xm / Math.pow(1 - this.next(), 1 / alpha);
  }

  uuid(): string {
    const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
    const h = hex(this.next() * 4294967296) + hex(this.next() * 4294967296) + hex(this.next() * 4294967296) + hex(this.next() * 4294967296);
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

// ---------------------------------------------------------------- the simulated entities

/** A planned step: when, and which kind of command (built when it runs, from the state then). */
interface Step {
  t: number;
  kind: string;
  ref?: string;
}

interface Entity<State, Command> {
  stream: string;
  decider: Decider<State, Command, DomainEvent>;
  state: State;
  steps: Step[];
  cursor: number;
  rng: Prng;
  build(step: Step, state: State, now: string): Command | null;
}

const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloé',
  'David',
  'Eva',
  'Farid',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Karin',
  'Luca',
  'Mia',
  'Noah',
  'Olga',
  'Pablo',
  'Rosa',
  'Sven',
  'Tara',
  'Yuki',
];
const LAST_NAMES = [
  'Andersen',
  'Bauer',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Hansen',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lindqvist',
  'Martin',
  'Novak',
  "O'Brien",
  'Petrov',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Weber',
];
const PRODUCTS = Array.from({ length: 200 }, (_, i) => `SKU-${String(i + 1).padStart(4, '0')}`);
const DEPARTMENTS = ['Customer Service', 'Billing', 'Logistics', 'Quality', 'Technical Support', 'Sales'];
const COMPLAINT_CATEGORIES = ['delivery', 'billing', 'product-quality', 'service', 'website', 'returns'];
const ACQUISITION: readonly (readonly [AcquisitionChannel, number])[] = [
  ['web', 40],
  ['store', 20],
  ['social', 12],
  ['email', 8],
  ['phone', 8],
  ['partner', 5],
  ['event', 4],
  ['other', 3],
];
const SEVERITY: readonly (readonly [Severity, number])[] = [
  ['low', 40],
  ['medium', 40],
  ['high', 15],
  ['critical', 5],
];

const iso = (t: number): string => new Date(t).toISOString();

interface Simulation {
  entities: Entity<unknown, unknown>[];
  customerIds: string[];
  departmentIds: string[];
  complaints: number;
}

/** Plans every entity's life: what happens when (the commands are built as the simulation reaches them). */
function plan(customers: number, seed: number): Simulation {
  const from = Date.parse(SIMULATION_FROM);
  const to = Date.parse(SIMULATION_TO);
  const span = to - from;
  const master = new Prng(seed);
  const entities: Entity<unknown, unknown>[] = [];

  const departmentIds = DEPARTMENTS.map(() => master.uuid());
  DEPARTMENTS.forEach((name, i) => {
    const departmentId = departmentIds[i];
    const entity: Entity<DepartmentState, DepartmentCommand> = {
      stream: departmentStream(departmentId),
      decider: departmentDecider as Decider<DepartmentState, DepartmentCommand, DomainEvent>,
      state: departmentDecider.initialState(),
      steps: [{ t: from + i * 60_000, kind: 'create' }],
      cursor: 0,
      rng: new Prng(seed ^ (0x5eed + i)),
      build: (_step, _state, now) => ({
        type: 'CreateDepartment',
        data: { departmentId, name, supervisorId: `user:supervisor-${i + 1}` },
        now,
      }),
    };
    entities.push(entity as Entity<unknown, unknown>);
  });

  // Registration times: more customers join as the business grows (density rising over the period).
  const registrations = Array.from({ length: customers }, () => from + Math.sqrt(master.next()) * span * 0.92).sort((a, b) => a - b);
  const customerIds = registrations.map(() => master.uuid());
  const customerEntities: Entity<CustomerState, CustomerCommand>[] = [];
  let complaints = 0;
  const numberEntities = new Map<number, Entity<null, null>>();
  const complaintNumbers = new Map<string, string>();

  for (let i = 0; i < customers; i++) {
    const rng = new Prng((seed * 1_000_003 + i) >>> 0);
    const customerId = customerIds[i];
    const registeredAt = registrations[i];
    const steps: Step[] = [];
    const prospect = rng.chance(0.15);
    const referrer = i > 10 && rng.chance(0.1) ? rng.int(i) : -1;
    steps.push({ t: registeredAt, kind: 'register', ref: referrer >= 0 ? customerIds[referrer] : undefined });
    // Referrers registered earlier, so their steps are not sorted yet; sorted below, after the loop.
    if (referrer >= 0) customerEntities[referrer].steps.push({ t: registeredAt + 60_000, kind: 'referral', ref: customerId });
    const churnAt = rng.chance(0.07) ? rng.between(registeredAt + 30 * DAY, to + 200 * DAY) : Number.POSITIVE_INFINITY;
    const activeUntil = Math.min(to, churnAt);
    const life = Math.max(DAY, activeUntil - registeredAt);
    // Purchases: Pareto counts (most buy a few times, a few buy constantly), a handful of very heavy accounts.
    let purchases = prospect && rng.chance(0.5) ? 0 : Math.min(400, Math.floor(rng.pareto(1.1, 1.4)));
    if (rng.chance(0.002)) purchases = 150 + rng.int(600);
    purchases = Math.round(purchases * Math.min(1.5, life / (span * 0.5)) + 0.3);
    for (let p = 0; p < purchases; p++) steps.push({ t: registeredAt + rng.next() * life, kind: 'purchase' });
    const interactions = Math.floor(rng.lognormal(0.3, 0.9));
    for (let k = 0; k < interactions; k++) steps.push({ t: registeredAt + rng.next() * life, kind: 'interaction' });
    if (rng.chance(0.35)) {
      const t = registeredAt + rng.next() * life;
      steps.push({ t, kind: 'suggest' });
      const decision = rng.next();
      if (decision < 0.35) steps.push({ t: t + rng.between(HOUR, 10 * DAY), kind: 'accept' });
      else if (decision < 0.65) steps.push({ t: t + rng.between(HOUR, 10 * DAY), kind: 'decline' });
    }
    if (rng.chance(0.15)) steps.push({ t: registeredAt + rng.next() * life, kind: 'update-contact' });
    if (churnAt < to) {
      steps.push({ t: churnAt, kind: 'deactivate' });
      if (rng.chance(0.15)) steps.push({ t: churnAt + rng.between(10 * DAY, 120 * DAY), kind: 'reactivate' });
    }
    const entity: Entity<CustomerState, CustomerCommand> = {
      stream: customerStream(customerId),
      decider: customerDecider as Decider<CustomerState, CustomerCommand, DomainEvent>,
      state: customerDecider.initialState(),
      steps,
      cursor: 0,
      rng,
      build: (step, state, now) => buildCustomerCommand(step, state, now, rng, customerId, prospect),
    };
    customerEntities.push(entity);
    entities.push(entity as Entity<unknown, unknown>);

    // About 8% complain, a few of them twice.
    const complaintCount = rng.chance(0.08) ? (rng.chance(0.1) ? 2 : 1) : 0;
    for (let c = 0; c < complaintCount; c++) {
      const receivedAt = registeredAt + rng.between(DAY, Math.max(2 * DAY, activeUntil - registeredAt));
      if (receivedAt >= to) continue;
      complaints++;
      const year = new Date(receivedAt).getUTCFullYear();
      let numbers = numberEntities.get(year);
      if (!numbers) {
        numbers = numberEntity(year);
        numberEntities.set(year, numbers);
        entities.push(numbers as Entity<unknown, unknown>);
      }
      const complaintId = rng.uuid();
      numbers.steps.push({ t: receivedAt - 1, kind: 'allocate', ref: complaintId });
      entities.push(complaintEntity(complaintId, customerId, receivedAt, rng, departmentIds, complaintNumbers) as Entity<unknown, unknown>);
    }
  }
  for (const customer of customerEntities) customer.steps.sort((a, b) => a.t - b.t);
  // Numbers are handed out in order of registration within each year, as the handler does.
  for (const [year, numbers] of numberEntities) {
    numbers.steps.sort((a, b) => a.t - b.t);
    numbers.steps.forEach((step, n) => complaintNumbers.set(step.ref!, formatComplaintNumber(year, BigInt(n + 1))));
  }
  return { entities, customerIds, departmentIds, complaints };
}

function buildCustomerCommand(
  step: Step,
  state: CustomerState,
  now: string,
  rng: Prng,
  customerId: string,
  prospect: boolean,
): CustomerCommand | null {
  switch (step.kind) {
    case 'register': {
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      const b2b = rng.chance(0.2);
      return {
        type: 'RegisterCustomer',
        data: {
          customerId,
          kind: prospect ? 'prospect' : 'customer',
          name: `${first} ${last}`,
          email: rng.chance(0.9)
            ? `${first}.${last}.${customerId.slice(0, 8)}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, '')
            : null,
          phone: rng.chance(0.6) ? `+41 7${rng.int(10)} ${100 + rng.int(900)} ${10 + rng.int(90)} ${10 + rng.int(90)}` : null,
          company: b2b ? `${last} ${rng.pick(['AG', 'GmbH', 'SA', 'Ltd'])}` : null,
          acquisitionChannel: step.ref ? 'referral' : rng.weighted(ACQUISITION),
          referredBy: step.ref ?? null,
          referrerExists: step.ref !== undefined,
        },
        now,
      };
    }
    case 'purchase': {
      const lines = Array.from(
        {
          length: rng.weighted([
            [1, 60],
            [2, 25],
            [3, 10],
            [4, 5],
          ] as const),
        },
        () => {
          const quantity = rng.weighted([
            [1, 70],
            [2, 20],
            [3, 7],
            [5, 3],
          ] as const);
          const unit = Math.max(1, rng.lognormal(3.2, 0.9));
          // Zipf-like popularity: low SKU numbers sell most.
          return {
            product: PRODUCTS[Math.floor(PRODUCTS.length * rng.next() ** 2)],
            quantity,
            amount: Math.round(unit * quantity * 100) / 100,
          };
        },
      );
      const amount = lines.reduce((sum, l) => sum + l.amount, 0);
      return {
        type: 'RecordPurchase',
        data: {
          purchaseId: rng.uuid(),
          lines,
          margin: Math.floor(amount * rng.between(0.1, 0.4) * 100) / 100,
          currency: 'CHF',
          occurredAt: now,
        },
        now,
      };
    }
    case 'interaction':
      return {
        type: 'RecordInteraction',
        data: {
          interactionId: rng.uuid(),
          channel: rng.pick<InteractionChannel>(['call', 'email', 'visit', 'chat', 'meeting']),
          direction: rng.chance(0.6) ? 'inbound' : 'outbound',
          summary: rng.pick([
            'Asked about delivery times',
            'Follow-up on last order',
            'Price enquiry',
            'Account question',
            'Product advice',
          ]),
          agent: `agent-${1 + rng.int(40)}`,
          occurredAt: now,
        },
        now,
      };
    case 'suggest':
      return {
        type: 'SuggestTransaction',
        data: {
          suggestionId: rng.uuid(),
          product: rng.pick(PRODUCTS),
          expectedValue: Math.round(rng.lognormal(4, 0.7)),
          currency: 'CHF',
          expiresAt: iso(Date.parse(now) + 14 * DAY),
        },
        now,
      };
    case 'accept':
    case 'decline': {
      const open = [...state.suggestions.entries()].find(([, s]) => s.status === 'open');
      if (!open) return null;
      return step.kind === 'accept'
        ? { type: 'AcceptSuggestion', data: { suggestionId: open[0] }, now }
        : { type: 'DeclineSuggestion', data: { suggestionId: open[0], reason: rng.chance(0.5) ? 'Not interested right now' : null }, now };
    }
    case 'referral':
      return { type: 'RecordReferral', data: { referredCustomerId: step.ref!, referredExists: true, referredBy: null }, now };
    case 'update-contact':
      return {
        type: 'UpdateContactDetails',
        data: { phone: `+41 7${rng.int(10)} ${100 + rng.int(900)} ${10 + rng.int(90)} ${10 + rng.int(90)}` },
        now,
      };
    case 'deactivate':
      return {
        type: 'DeactivateCustomer',
        data: { reason: rng.pick(['Moved abroad', 'Switched to a competitor', 'No longer needed', 'Price']) },
        now,
      };
    case 'reactivate':
      return { type: 'ReactivateCustomer', now };
    default:
      return null;
  }
}

/** The per-year counter of complaint numbers (as the complaint handler keeps it). */
function numberEntity(year: number): Entity<null, null> {
  const stream = complaintNumberStream(year);
  return {
    stream,
    decider: { initialState: () => null, evolve: () => null, decide: () => [] },
    state: null,
    steps: [],
    cursor: 0,
    rng: new Prng(year),
    build: () => null,
  };
}

/**
 * A complaint's planned life through the ISO 10002 cycle. Most complete it; others stop at a
 * random stage (still open at the end of the period, or abandoned); some breach their
 * resolution deadline (and are escalated by the breach).
 */
function complaintEntity(
  complaintId: string,
  customerId: string,
  receivedAt: number,
  rng: Prng,
  departmentIds: string[],
  numbers: ReadonlyMap<string, string>,
): Entity<ComplaintState, ComplaintCommand> {
  const channel = rng.pick<ComplaintChannel>(COMPLAINT_CHANNELS);
  const digital = DIGITAL_COMPLAINT_CHANNELS.includes(channel);
  const stages = [
    'register',
    'acknowledge',
    'assess',
    'grade',
    'assign',
    'note',
    'progress',
    'breach',
    'root-cause',
    'resolve',
    'communicate',
    'accept',
    'satisfaction',
    'close',
  ];
  const lastStage = rng.chance(0.75) ? stages.length - 1 : 1 + rng.int(stages.length - 1);
  const breach = rng.chance(0.12);
  const invalid = rng.chance(0.06);
  const steps: Step[] = [];
  let t = receivedAt;
  for (let s = 0; s <= lastStage; s++) {
    const kind = stages[s];
    if (kind === 'acknowledge' && digital) continue;
    if (kind === 'breach' && !breach) continue;
    // A breached complaint stays untouched past its resolution deadline (at most 72 h after grading).
    t += kind === 'breach' ? 4 * DAY : kind === 'register' ? 0 : rng.between(0.5 * HOUR, 20 * HOUR);
    steps.push({ t, kind });
    if (kind === 'assess' && invalid) break;
  }
  return {
    stream: complaintStream(complaintId),
    decider: complaintDecider as Decider<ComplaintState, ComplaintCommand, DomainEvent>,
    state: complaintDecider.initialState(),
    steps,
    cursor: 0,
    rng,
    build: (step, state, now) => {
      switch (step.kind) {
        case 'register':
          return {
            type: 'RegisterComplaint',
            data: {
              complaintId,
              number: numbers.get(complaintId)!,
              customerId,
              channel,
              category: rng.pick(COMPLAINT_CATEGORIES),
              subCategory: null,
              product: rng.chance(0.7) ? rng.pick(PRODUCTS) : null,
              description: 'The customer reports a problem with their order.',
              remedySought: rng.chance(0.5) ? 'refund' : null,
              occurredAt: iso(Date.parse(now) - rng.between(HOUR, 5 * DAY)),
              followUpOf: null,
              customerExists: true,
              autoAcknowledge: digital,
            },
            now,
          };
        case 'acknowledge':
          return { type: 'AcknowledgeComplaint', now };
        case 'assess':
          return {
            type: 'AssessValidity',
            data: {
              valid: !invalid,
              rationale: invalid ? 'Outside our responsibility' : 'Confirmed by the order history',
              feedbackToCustomer: null,
            },
            now,
          };
        case 'grade':
          return {
            type: 'GradeComplaint',
            data: {
              severity: rng.weighted(SEVERITY),
              difficulty: rng.pick(['low', 'medium', 'high'] as const),
              policy: DEFAULT_SLA_POLICY,
            },
            now,
          };
        case 'assign':
          return {
            type: 'AssignComplaint',
            data: {
              department: rng.pick(departmentIds),
              assignee: rng.chance(0.7) ? `agent-${1 + rng.int(40)}` : null,
              by: 'user:dispatcher',
            },
            now,
          };
        case 'note':
          return { type: 'AddInvestigationNote', data: { note: 'Checked the shipment records.', author: `agent-${1 + rng.int(40)}` }, now };
        case 'progress':
          return { type: 'RecordProgressUpdate', data: { channel, summary: 'We are looking into it.' }, now };
        case 'breach':
          return state.deadlines
            ? { type: 'RecordSlaBreach', data: { deadline: 'resolution', dueAt: state.deadlines.resolutionDueAt, supervisorId: null }, now }
            : null;
        case 'root-cause':
          return { type: 'RecordRootCause', data: { category: rng.pick(ROOT_CAUSE_CATEGORIES), text: 'Found the cause.' }, now };
        case 'resolve':
          return {
            type: 'ResolveComplaint',
            data: { solution: rng.pick(['Refunded', 'Replaced the item', 'Apologised and gave a voucher']) },
            now,
          };
        case 'communicate':
          return { type: 'CommunicateDecision', data: { channel, summary: 'Decision sent to the customer.', communicatedAt: now }, now };
        case 'accept':
          return rng.chance(0.9) ? { type: 'AcceptResolution', now } : { type: 'RejectResolution', data: { reason: 'Not enough' }, now };
        case 'satisfaction':
          return rng.chance(0.6)
            ? { type: 'RecordSatisfaction', data: { csat: 1 + rng.int(5), nps: rng.int(11), reason: null, comment: null }, now }
            : null;
        case 'close':
          return { type: 'CloseComplaint', data: { reason: state.status === 'resolved' ? 'resolved' : 'withdrawn' }, now };
        default:
          return null;
      }
    },
  };
}

// ---------------------------------------------------------------- running the simulation

interface Pending {
  first: number;
  stream: string;
  events: NewEvent[];
}

async function simulate(
  store: EventStore,
  sim: Simulation,
  seed: number,
  log: (m: string) => void,
): Promise<{ events: number; refused: number }> {
  const from = Date.parse(SIMULATION_FROM);
  const to = Date.parse(SIMULATION_TO);
  const ids = new Prng(seed ^ 0x1d5);
  let events = 0;
  let refused = 0;
  const started = Date.now();
  for (let windowStart = from; windowStart < to; windowStart += WEEK) {
    const windowEnd = Math.min(to, windowStart + WEEK);
    const pending = new Map<string, Pending>();
    const add = (stream: string, t: number, event: NewEvent): void => {
      let entry = pending.get(stream);
      if (!entry) pending.set(stream, (entry = { first: t, stream, events: [] }));
      entry.events.push(event);
    };
    for (const entity of sim.entities) {
      while (entity.cursor < entity.steps.length && entity.steps[entity.cursor].t < windowEnd) {
        const step = entity.steps[entity.cursor++];
        const now = iso(step.t);
        const commandId = ids.uuid();
        const metadata = (occurredAt: string) => ({
          actor: 'bench:generator',
          correlationId: commandId,
          causationId: commandId,
          occurredAt,
          recordedAt: now,
          schemaVersion: 1,
        });
        if (step.kind === 'allocate') {
          // The complaint number counter: the n-th event of the year's stream is number n.
          const year = Number(entity.stream.slice(-4));
          add(entity.stream, step.t, {
            id: ids.uuid(),
            type: 'ComplaintNumberAllocated',
            data: { complaintId: step.ref, year },
            metadata: metadata(now),
          });
          events++;
          continue;
        }
        const command = entity.build(step, entity.state, now);
        if (command === null) continue;
        let decided: DomainEvent[];
        try {
          decided = entity.decider.decide(command, entity.state);
        } catch {
          // A planned step the rules refuse at that point (e.g. a purchase after deactivation): skipped, as the API would refuse it.
          refused++;
          continue;
        }
        for (const event of decided) {
          entity.state = entity.decider.evolve(entity.state, event);
          const occurredAt = (event.data as { occurredAt?: unknown }).occurredAt;
          add(entity.stream, step.t, {
            id: ids.uuid(),
            type: event.type,
            data: event.data,
            metadata: metadata(typeof occurredAt === 'string' ? occurredAt : now),
          });
          events++;
        }
      }
    }
    for (const entry of [...pending.values()].sort((a, b) => a.first - b.first)) {
      await store.appendToStream(entry.stream, entry.events);
    }
    if (((windowStart - from) / WEEK) % 13 === 0) {
      log(`  ${iso(windowStart).slice(0, 10)}: ${events} events (${Math.round(events / ((Date.now() - started) / 1000))} events/s)`);
    }
  }
  return { events, refused };
}

// ---------------------------------------------------------------- building and caching

function cacheKey(options: Pick<DataSetOptions, 'seed' | 'customers'>): string {
  return `relata-v${GENERATOR_VERSION}-seed${options.seed}-c${options.customers}`;
}

interface Manifest extends Omit<DataSet, 'dataDir'> {
  generatorVersion: number;
  /** Projection name -> version the read store was built with. */
  projections?: Record<string, number>;
}

const projectionVersions = (): Record<string, number> => Object.fromEntries(ALL_PROJECTIONS.map((p) => [p.name, p.version]));

const sameVersions = (a: Record<string, number> | undefined, b: Record<string, number>): boolean =>
  a !== undefined && Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([name, version]) => a[name] === version);

/**
 * A cached data set whose projections changed since it was built (a new version, a new projection):
 * the runner rebuilds those into the read store, as a server would on start, so benchmarks measure
 * a caught-up store. Much cheaper than generating the events again.
 */
async function refreshProjections(dataDir: string, log: (message: string) => void): Promise<void> {
  const config = loadConfig({ RELATA_DATA_DIR: dataDir });
  const eventStore = createEventStore(config);
  const readStore = await createReadStore(config);
  try {
    const started = Date.now();
    const runner = new ProjectionRunner({ eventStore, readStore, clock: new ManualClock(SIMULATION_TO), projections: ALL_PROJECTIONS });
    await runner.catchUp();
    await runner.stop();
    log(`Projections brought up to date in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await readStore.close();
    await eventStore.close();
  }
}

/** Builds a data set into outDir (which must not exist yet); returns its description. */
export async function generateDataSet(outDir: string, options: Omit<DataSetOptions, 'cacheDir'>): Promise<DataSet> {
  const { log } = options;
  const dataDir = path.join(outDir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({ RELATA_DATA_DIR: dataDir });
  const clock = new ManualClock(SIMULATION_TO);
  const started = Date.now();
  log(`Planning ${options.customers} customers (seed ${options.seed})`);
  const sim = plan(options.customers, options.seed);
  const eventStore = createEventStore(config, { personalData: ALL_PERSONAL_DATA, clock });
  let events: number;
  try {
    const result = await simulate(eventStore, sim, options.seed, log);
    events = result.events;
    log(
      `Appended ${events} events in ${((Date.now() - started) / 1000).toFixed(1)} s (${result.refused} planned steps refused by the rules)`,
    );
    const readStore = await createReadStore(config);
    try {
      const runner = new ProjectionRunner({ eventStore, readStore, clock, projections: ALL_PROJECTIONS, batchSize: 2000 });
      const projecting = Date.now();
      await runner.catchUp();
      log(`Projected in ${((Date.now() - projecting) / 1000).toFixed(1)} s`);
      const segmenting = Date.now();
      const ids = new Prng(options.seed ^ 0x5e9);
      const processor = new CommandProcessor(eventStore, clock, { next: () => ids.uuid() });
      const segmentation = new SegmentationService(processor, runner, eventStore, clock);
      const run = await segmentation.recompute(new Date(SIMULATION_TO), {
        actor: 'bench:generator',
        correlationId: ids.uuid(),
        commandId: ids.uuid(),
      });
      await runner.catchUp();
      events += run.changes + 1;
      log(`Segmentation run: ${run.changes} segment changes in ${((Date.now() - segmenting) / 1000).toFixed(1)} s`);
      const segmentNames = Object.values(run.segments).flatMap((counts) => Object.keys(counts).filter((name) => counts[name] > 0));
      await runner.stop();
      const sampler = new Prng(options.seed ^ 0x5a3);
      const customerIds = Array.from({ length: Math.min(1000, sim.customerIds.length) }, () => sampler.pick(sim.customerIds));
      const dataSet: DataSet = {
        dataDir,
        events,
        customers: options.customers,
        complaints: sim.complaints,
        sample: { customerIds, departmentIds: sim.departmentIds, segmentNames, from: SIMULATION_FROM, to: SIMULATION_TO },
      };
      return dataSet;
    } finally {
      await readStore.close();
    }
  } finally {
    await eventStore.close();
  }
}

/**
 * The data set for (seed, customers), built on first use and cached in cacheDir. dataDir holds
 * the event store, key store and read store, every projection caught up; treat it as read-only.
 */
export async function ensureDataSet(options: DataSetOptions): Promise<DataSet> {
  const dir = path.join(options.cacheDir, cacheKey(options));
  const manifestFile = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
    if (manifest.generatorVersion === GENERATOR_VERSION) {
      options.log(`Using cached data set ${dir} (${manifest.events} events)`);
      const dataDir = path.join(dir, 'data');
      const current = projectionVersions();
      if (!sameVersions(manifest.projections, current)) {
        options.log('Projections changed since the data set was built: updating its read store');
        await refreshProjections(dataDir, options.log);
        fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, projections: current } satisfies Manifest, null, 2));
      }
      const { generatorVersion: _version, projections: _projections, ...dataSet } = manifest;
      return { ...dataSet, dataDir };
    }
  }
  fs.mkdirSync(options.cacheDir, { recursive: true });
  // Built in memory when a tmpfs is at hand: the key store syncs every new key to disk (one per
  // customer), which would dominate the build. Then copied beside its final place and renamed, so
  // an interrupted build is never mistaken for a data set.
  const scratch = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/relata-bench-') : null;
  const building = `${dir}.building-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  try {
    const dataSet = await generateDataSet(scratch ?? building, options);
    const { dataDir: _dataDir, ...rest } = dataSet;
    if (scratch) fs.cpSync(scratch, building, { recursive: true });
    fs.writeFileSync(
      path.join(building, 'manifest.json'),
      JSON.stringify({ ...rest, generatorVersion: GENERATOR_VERSION, projections: projectionVersions() } satisfies Manifest, null, 2),
    );
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(building, dir);
    return { ...dataSet, dataDir: path.join(dir, 'data') };
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(building, { recursive: true, force: true });
  }
}

/** A private copy of a data dir, for a benchmark that writes. */
export function copyDataDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const customers = Number(argValue(args, '--customers') ?? 100_000);
  const seed = Number(argValue(args, '--seed') ?? 42);
  const out = argValue(args, '--out');
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const done = out
    ? generateDataSet(out, { customers, seed, log })
    : ensureDataSet({ customers, seed, cacheDir: path.join(process.cwd(), 'bench', 'out', 'cache'), log });
  done.then(
    (dataSet) => console.log(JSON.stringify(dataSet, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
