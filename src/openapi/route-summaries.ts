/**
 * What each route does, in the words of the person calling it: the OpenAPI summary (one line) and
 * description. Kept here, beside the document generator, rather than as decorators on the
 * controllers, so that features stay free of documentation metadata; keyed as the access table
 * spells routes (`METHOD /path/:param`). A route missing here gets a generic summary, which
 * test/openapi/route-summaries.int.spec.ts refuses.
 */
export interface RouteDoc {
  summary: string;
  description: string;
}

/** The sections of the document, in the order a user meets them. */
export const TAG_ORDER = ['Customers', 'Complaints', 'Departments', 'Analytics', 'Audit', 'Admin', 'Operations'] as const;
export type Tag = (typeof TAG_ORDER)[number];

export const TAG_DESCRIPTIONS: Readonly<Record<Tag, string>> = {
  Customers: 'Prospects and customers: contact details, interactions, purchases, suggestions, referrals, churn and win-back (role agent).',
  Complaints: 'The ISO 10002 complaint cycle with SLA deadlines, the knowledge base of solutions, SLA policies (roles agent, supervisor).',
  Departments: 'Departments that handle complaints and the signed webhooks that keep them informed (supervisor; webhooks: admin).',
  Analytics:
    'Customer value, lifetime value (CLV) models, segments and complaint statistics; lists also as CSV (roles analyst, supervisor).',
  Audit:
    'The event log as an audit trail: stream history, state as of a time, change feed, correlations, refusals, hash-chain check (role auditor).',
  Admin: 'API keys and projections (role admin).',
  Operations: 'Probes, metrics, this documentation and the analyst dashboard page (public).',
};

/** The section of a route, from its first path segment. */
export function tagOfPath(path: string): Tag {
  const first = path.split('/')[1] ?? '';
  switch (first) {
    case 'customers':
    case 'batch':
    case 'follow-ups':
      return 'Customers';
    case 'complaints':
    case 'solutions':
    case 'sla-policies':
      return 'Complaints';
    case 'departments':
      return 'Departments';
    case 'analytics':
    case 'campaigns':
      return 'Analytics';
    case 'audit':
      return 'Audit';
    case 'admin':
    case 'projections':
      return 'Admin';
    default:
      return 'Operations';
  }
}

const doc = (summary: string, description: string): RouteDoc => ({ summary, description });

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  // Customers
  'POST /customers': doc(
    'Register a customer or prospect',
    'Records CustomerRegistered. An email must not belong to another active customer (422 EMAIL_ALREADY_IN_USE). Read it back with GET /customers/{id}?minPosition= and the answered position.',
  ),
  'GET /customers': doc(
    'List, filter and search customers',
    'Paged (pass nextCursor as cursor). Filters combine: status, segment (name or scheme:name), minRevenue/maxRevenue, company (ignoring case), acquisitionChannel, registeredFrom/registeredTo; q searches name, email and company, and phone numbers by their digits. sort=registeredAt|revenue|purchaseCount|lastPurchaseAt, order=asc|desc. CSV with Accept: text/csv.',
  ),
  'GET /customers/by-source/:source/:id': doc(
    'Find a customer by their id in another system',
    "The profile of the customer that system (source, e.g. shop or cdnow) knows by id; the same as GET /customers/{id} with the customer's Relata id. Imported customers are found by their source file's kind and customer key.",
  ),
  'PUT /customers/by-source/:source/:id': doc(
    'Upsert a customer by their id in another system',
    'Registers the customer (201) when the source id is new, else updates name, email, phone and company (200); kind and acquisitionChannel apply on registration only. The same body again appends nothing. The Relata id is derived from source and id, so every instance and retry addresses the same customer.',
  ),
  'GET /customers/:id': doc(
    "Read a customer's profile",
    'Contact details, status, current value (revenue, margin, purchases), suggestions and potential value, referrals, interaction count and complaints. The ETag is the stream revision, for If-Match.',
  ),
  'GET /customers/:id/interactions': doc(
    "List a customer's interactions",
    'The contacts recorded with the customer, newest first, paged; CSV with Accept: text/csv.',
  ),
  'GET /customers/:id/purchases': doc(
    "A customer's purchase history",
    'Newest first (by when the purchase happened), paged, each purchase with its lines, amount and margin in the currency it was recorded in; CSV (one row per line) with Accept: text/csv. Each purchase lists its refunds, what was refunded and its net amount.',
  ),
  'PATCH /customers/:id/contact': doc(
    'Update contact details',
    'Changes name, email, phone or company; fields left out stay as they are, phone and company may be set to null. Nothing changes: nothing is recorded.',
  ),
  'POST /customers/:id/convert': doc('Convert a prospect into a customer', 'Without a purchase; a first purchase converts a prospect too.'),
  'POST /customers/:id/interactions': doc(
    'Record an interaction',
    'A contact with the customer: channel, direction, summary and the agent; occurredAt defaults to now.',
  ),
  'POST /customers/:id/purchases': doc(
    'Record a purchase',
    "Adds to the customer's current value (revenue and margin); a prospect's first purchase converts them. Send an Idempotency-Key (e.g. the invoice number) so a retry records it once.",
  ),
  'POST /customers/:id/purchases/:purchaseId/refunds': doc(
    'Refund or return (part of) a purchase',
    "Money given back, with the goods returned (lines) or as an amount, in the purchase's currency; occurredAt is the refund date. Lowers the customer's current value (net revenue and margin). Refused (422) above what remains refundable, in another currency, before the purchase, or for more goods than were bought; 404 for an unknown purchase. Send an Idempotency-Key so a retry records it once.",
  ),
  'POST /customers/:id/suggestions': doc(
    'Suggest a transaction',
    "A product offered with its expected value until expiresAt (in the future): counts in the customer's potential value while open. Answers the suggestionId.",
  ),
  'POST /customers/:id/suggestions/:sid/accept': doc(
    'Accept a suggestion',
    'The customer took the offer; an expired suggestion is refused (422 SUGGESTION_EXPIRED).',
  ),
  'POST /customers/:id/suggestions/:sid/decline': doc('Decline a suggestion', 'The customer turned the offer down, with a reason.'),
  'POST /customers/:id/referrals': doc(
    'Record a referral',
    'This customer referred another registered customer. A customer has at most one referrer: a customer already referred by someone else (at registration or by a referral) is refused (422 REFERRER_ALREADY_CREDITED).',
  ),
  'POST /customers/:id/deactivate': doc('Deactivate a customer (churn)', 'The customer left, with a reason.'),
  'POST /customers/:id/reactivate': doc('Reactivate a customer (win-back)', 'Brings a deactivated customer back.'),
  'POST /customers/:id/forget': doc(
    'Forget a customer (right to be forgotten)',
    'Crypto-shredding: deletes the customer\'s data key, so personal fields read as "[erased]" everywhere, releases the email, refuses every later command about them and rebuilds the read models holding copies. Repeating it is safe.',
  ),
  'POST /batch': doc(
    'Run several commands in one request',
    'Up to 100 items (method, path, body, idempotencyKey, ifMatch), carried out in order as the single calls they stand for, with the same credentials: one result per item (status, Location/ETag headers, body or problem). Not a transaction: a refused item does not stop the others; retry with the same idempotency keys and the items already done are replayed.',
  ),
  // Complaints
  'POST /complaints': doc(
    'Register a complaint',
    'Takes a complaint on a channel for a registered customer; it gets a number CMP-YYYY-NNNNNN. Email, web and social complaints are acknowledged on receipt (RELATA_AUTO_ACK_CHANNELS). followUpOf links a follow-up to a closed complaint.',
  ),
  'GET /complaints': doc(
    'The work queue; find a complaint by its number',
    'Complaints by department, assignee, status (or open), customer, overdue, number (the CMP-YYYY-NNNNNN the customer quotes), category, severity and text (q: number, category, sub-category, product, description), sorted by resolution due time, earliest first; ungraded ones last. CSV with Accept: text/csv.',
  ),
  'GET /complaints/:id': doc(
    'Read a complaint',
    'Status, holder, assessment, severity, SLA deadlines with the time left, escalations, notes, root cause, actions, resolution, the customer answer, satisfaction and the timeline of every step.',
  ),
  'POST /complaints/:id/acknowledge': doc(
    'Acknowledge a complaint',
    'Tells the customer the complaint was received (done automatically for the channels acknowledged on receipt).',
  ),
  'POST /complaints/:id/assign': doc(
    'Assign a complaint to a department',
    'Gives the complaint to a department (and optionally a person); the department hears about it through its webhooks.',
  ),
  'POST /complaints/:id/assess': doc(
    'Assess validity',
    'Valid complaints go on to grading; an invalid one is closed with feedback to the customer.',
  ),
  'POST /complaints/:id/grade': doc(
    'Grade severity and difficulty',
    'Pins the SLA policy in force and starts the first-response and resolution deadlines.',
  ),
  'POST /complaints/:id/hold': doc('Put on hold', 'While waiting on the customer; the SLA clock stops.'),
  'POST /complaints/:id/resume': doc('Resume after a hold', 'The SLA clock runs again and the deadlines move by the time on hold.'),
  'POST /complaints/:id/escalate': doc(
    'Escalate a complaint',
    'Raises the escalation level and notifies the supervisor of the holding department.',
  ),
  'POST /complaints/:id/notes': doc('Add an investigation note', 'An internal note on the investigation (after grading).'),
  'POST /complaints/:id/root-cause': doc('Record the root cause', 'Category and explanation; required before resolving.'),
  'POST /complaints/:id/actions': doc(
    'Open a corrective or preventive action',
    'Given to a department with a due date in the future (422 ACTION_DUE_IN_PAST). Answers the actionId.',
  ),
  'POST /complaints/:id/actions/:actionId/complete': doc(
    'Complete an action',
    'Records the outcome; open actions prevent closing the complaint.',
  ),
  'POST /complaints/:id/progress': doc(
    'Tell the customer about progress',
    'A progress update; the first one after grading is the first response of the SLA.',
  ),
  'POST /complaints/:id/resolve': doc(
    'Resolve a complaint',
    'Records the solution (a root cause is required; not while on hold); it joins the knowledge base of solutions.',
  ),
  'POST /complaints/:id/communicate': doc('Communicate the decision', 'Tells the customer the resolution.'),
  'POST /complaints/:id/accept': doc(
    'The customer accepts the resolution',
    'After the decision was communicated; the complaint can then be closed.',
  ),
  'POST /complaints/:id/reject': doc('The customer rejects the resolution', 'With a reason; the complaint is reopened for investigation.'),
  'POST /complaints/:id/satisfaction': doc(
    'Record satisfaction',
    'CSAT 1-5 (a reason for 2 or less), optional NPS 0-10 and a comment; also after closing as resolved.',
  ),
  'POST /complaints/:id/close': doc(
    'Close a complaint',
    'As resolved (decision communicated, no open actions), withdrawn, duplicate (of another complaint) or no response.',
  ),
  'POST /complaints/:id/reopen': doc(
    'Reopen a closed complaint',
    'Within RELATA_REOPEN_WINDOW_DAYS of closing; later, 422 REOPEN_WINDOW_EXPIRED holds the request that registers a linked follow-up.',
  ),
  'GET /solutions': doc(
    'Search solutions of resolved complaints',
    'The knowledge base: category, product, root cause, solution and whether the customer accepted it, newest first; CSV with Accept: text/csv.',
  ),
  'GET /sla-policies/current': doc(
    'Read the SLA policy in force',
    'Resolution and first-response hours by severity, the warning share and when the clock starts; version 1 is the default until one is published.',
  ),
  'PUT /sla-policies/current': doc(
    'Publish a new SLA policy version',
    'Applies to complaints graded from then on; graded complaints keep the policy they pinned. The same terms again publish nothing.',
  ),
  // Departments
  'POST /customers/:id/owner': doc(
    "Assign a customer's owner (account manager)",
    'Records CustomerOwnerAssigned with the previous owner; the same owner again records nothing. The profile shows owner and ownerHistory.',
  ),
  // Follow-ups
  'POST /follow-ups': doc(
    'Create a follow-up',
    'A task with an owner (agent id), a due time (business time), a customer or a complaint (its customer), a title and a note (personal: erased when the customer is forgotten), an optional department queue, and a reminder lead (remindBeforeMinutes, default RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES). The scheduler appends FollowUpReminderDue at the reminder time and FollowUpOverdue once the due time has passed, each once.',
  ),
  'GET /follow-ups': doc(
    'A work queue of follow-ups',
    'By owner, department or customer, in one status (default open), soonest due first, paged; each says whether it is overdue as of asOf. CSV with Accept: text/csv.',
  ),
  'GET /follow-ups/overdue': doc(
    'Overdue follow-ups',
    'Open follow-ups past their due time as of now (asOf), most overdue first, optionally of one owner or department; paged. CSV with Accept: text/csv.',
  ),
  'GET /follow-ups/summary': doc(
    'Follow-up queues at a glance',
    'Open and overdue follow-ups as of now (asOf), in total and per owner and per department (most overdue first), optionally of one department; no personal data. CSV (one row per owner) with Accept: text/csv.',
  ),
  'GET /follow-ups/:id': doc(
    'Read a follow-up',
    'Owner, department, due and reminder times, status, when the reminder and overdue events were recorded; the ETag is the stream revision.',
  ),
  'POST /follow-ups/:id/reassign': doc(
    'Reassign a follow-up',
    'A new owner and optionally another department (null: none); only an open follow-up (422 FOLLOW_UP_NOT_OPEN); the same owner again records nothing.',
  ),
  'POST /follow-ups/:id/reschedule': doc(
    'Reschedule a follow-up',
    'A new due time; the reminder keeps its lead unless remindBeforeMinutes says otherwise. Reminder and overdue fire again for the new due time.',
  ),
  'POST /follow-ups/:id/complete': doc(
    'Complete a follow-up',
    'Marks it done; its reminder and overdue timers stop. Completing again records nothing; a cancelled one is refused (422 FOLLOW_UP_NOT_OPEN).',
  ),
  'POST /follow-ups/:id/cancel': doc(
    'Cancel a follow-up',
    'With an optional reason (personal); its timers stop. A done one is refused (422 FOLLOW_UP_NOT_OPEN).',
  ),
  'POST /departments': doc(
    'Create a department',
    'A name (unique ignoring case and spaces: 422 DEPARTMENT_NAME_TAKEN) and an optional supervisor, who is told about escalations.',
  ),
  'GET /departments': doc('List departments', 'By name, paged; CSV with Accept: text/csv.'),
  'GET /departments/:id': doc('Read a department', 'Name and supervisor; the ETag is the stream revision.'),
  'PATCH /departments/:id': doc(
    'Rename a department or change its supervisor',
    'A name another department carries is refused (422 DEPARTMENT_NAME_TAKEN); supervisorId null removes the supervisor; no change records nothing.',
  ),
  'POST /departments/:id/webhooks': doc(
    'Subscribe a webhook',
    "Complaint events of the department's complaints (scope assigned) or of every complaint (scope all), and customer, segment and follow-up events (named in eventTypes; narrowed by filter owner, segment or department), POSTed to url and signed with HMAC-SHA256; the generated secret is shown once.",
  ),
  'GET /departments/:id/webhooks': doc("List a department's webhooks", 'Active webhooks with delivery counts by status; never the secret.'),
  'GET /departments/:id/webhooks/:wid': doc('Read a webhook', 'Also a removed one, with delivery counts; never the secret.'),
  'DELETE /departments/:id/webhooks/:wid': doc('Remove a webhook', 'Cancels its pending deliveries and erases its secret.'),
  'GET /departments/:id/webhooks/:wid/deliveries': doc(
    "A webhook's delivery log",
    'Every attempt, newest first: event, attempt, outcome, status code or error, duration, next attempt.',
  ),
  // Analytics
  'GET /analytics/customers/:id/value': doc(
    "A customer's value",
    'Current value, potential value, predictive lifetime value (once a model is fitted), segments and product interest.',
  ),
  'GET /analytics/value-matrix': doc(
    'Value matrix as of a day',
    "Customers counted in the nine cells of current value (VAC) against potential value (VPC: profit of the open suggestions plus the fitted model's expected future value), as of the latest segmentation run at or before asOf; says its as-of and whether values are on margin or revenue.",
  ),
  'GET /analytics/retention': doc(
    'Retention and churn',
    'Customers active, retained and lost per period and per acquisition cohort, in business time, with the cost of replacing the lost ones (acquisition costs a configurable multiple of retention); says its as-of.',
  ),
  'GET /analytics/referrals': doc(
    'Referral analytics',
    'Referrals made, the value of referred customers against the others, and the referral rate by acquisition channel and by segment, as of a day.',
  ),
  'GET /analytics/word-of-mouth': doc(
    'Word-of-mouth reach',
    'How many people satisfied and unsatisfied customers are likely to tell, estimated from CSAT/NPS with configurable factors (by default 3.5 and 8.5 people), as of a day.',
  ),
  'GET /sources/:system/:sourceId': doc(
    'Find a record by its source id',
    'The customer or complaint imported from another system (cdnow, online-retail, cfpb, or a name given at registration) under the id that system uses, e.g. CDNOW customer 00004 or a CFPB Complaint ID.',
  ),
  'GET /analytics/forecast': doc(
    'Sales forecast',
    'Expected purchases and revenue per week or month from the fitted CLV model, as of its calibration end or asOf, in total and per segment or product, with the actuals, a backtest (MAPE) and the weighted pipeline of open suggestions; also as CSV.',
  ),
  'GET /analytics/lifetime-value': doc(
    'Customers by value',
    'Filtered by status, revenue and purchases, sorted by a stored value or a predictive one (CLV, probability alive); also as CSV with Accept: text/csv.',
  ),
  'GET /analytics/segments': doc(
    'Segment sizes',
    'Customers per segment of each scheme (RFM, value matrix, products) and the last segmentation run.',
  ),
  'POST /analytics/segments/recompute': doc(
    'Run a segmentation',
    'Scores every customer as of asOf (default now) and records each change of segment as an event; the same asOf again records nothing, an earlier one is refused.',
  ),
  'GET /analytics/segments/transitions': doc(
    'Segment transitions between two dates',
    'How many customers moved from each segment at from to each segment at to.',
  ),
  'GET /analytics/segments/history': doc("A customer's segment history", 'Every change of segment of one customer, per scheme.'),
  'GET /analytics/segments/:name/members': doc(
    "A segment's members",
    'Since when each customer is in it and the scores on entry; product:<name> lists the biggest spenders on a product.',
  ),
  'GET /analytics/complaints': doc(
    'Complaint statistics',
    'For complaints registered in [from, to): validity, SLA compliance, times to acknowledge and resolve, reopen rate, repeat complainers, CSAT and NPS, by group and period, against the previous period.',
  ),
  'POST /analytics/clv/fit': doc(
    'Fit the lifetime-value models',
    'BG/NBD and Gamma-Gamma by maximum likelihood on the purchases up to until (inclusive); recorded as a ClvModelFitted event and used from then on.',
  ),
  'GET /analytics/clv/model': doc(
    'The current CLV model',
    'The parameters, log-likelihoods and standard errors of the last fit (404 CLV_MODEL_NOT_FITTED before one).',
  ),
  'GET /analytics/clv/models': doc('Every CLV model fitted', 'Newest first.'),
  // Campaigns (the plan step of the CRM cycle; under Analytics)
  'POST /campaigns': doc(
    'Create a campaign',
    'A draft: target (a segment of a scheme as of a date, or a customer filter), action (a suggestion with product and expected value, an interaction to make, or a retention offer), owner, window (business time) and the control group (fraction, seed).',
  ),
  'GET /campaigns': doc('List campaigns', 'Newest first, with status and member counts; CSV with Accept: text/csv.'),
  'GET /campaigns/:id': doc('Read a campaign', 'Definition, status and counts; the ETag is the stream revision.'),
  'POST /campaigns/:id/launch': doc(
    'Launch a campaign',
    'Selects the members as of the target date, holds out the seeded control group and records one CampaignMemberTargeted per member (suggestion campaigns suggest to each treatment member). Idempotent and resumable: a launch that stopped half way continues; a finished one appends nothing.',
  ),
  'POST /campaigns/:id/close': doc(
    'Close a campaign',
    'A draft or launched campaign; 422 CAMPAIGN_LAUNCH_IN_PROGRESS while a launch is unfinished.',
  ),
  'GET /campaigns/:id/members': doc(
    "A campaign's members",
    'Customer ids with their group (treatment or control), targeting time and suggestion; filter by group; CSV with Accept: text/csv.',
  ),
  'GET /campaigns/:id/results': doc(
    "A campaign's results as of a date",
    'Reached, responded (a purchase or interaction in the window), suggestions accepted and declined, revenue and margin per currency for members against the control group (and in the equal period before the window), segment transitions of both groups; says its as-of; CSV with Accept: text/csv.',
  ),
  // Audit
  'GET /audit/feed': doc(
    'The change feed',
    'Every event in log order, paged by position (pass nextPosition back as fromPosition). CSV with Accept: text/csv (data.* columns; the next position in X-Next-Cursor).',
  ),
  'GET /audit/feed/stream': doc(
    'The change feed, live (Server-Sent Events)',
    'Events as they are recorded; resumes after Last-Event-ID. Refused without the pii grant, since it cannot be masked.',
  ),
  'GET /audit/streams/:stream': doc(
    "A stream's history",
    'Its events with their metadata (actor, correlation, occurred and recorded times), paged by revision.',
  ),
  'GET /audit/streams/:stream/state': doc(
    'The state of a stream at a point in time',
    'Folded from the events recorded by asOf (basis=occurred: that had happened by then), or up to a revision.',
  ),
  'GET /audit/correlations/:id': doc(
    'Everything one request caused',
    'Every event with that correlation id, across streams, in order, and its refusals.',
  ),
  'GET /audit/rejections': doc(
    'Refused commands',
    'Who tried what and why: time, actor, route, status, code, the names of invalid fields; filtered by time, code and actor. CSV with Accept: text/csv.',
  ),
  'GET /audit/verify': doc(
    'Check the hash chains',
    'Recomputes the tamper-evidence chain of one stream (or every stream) and reports the first broken link.',
  ),
  // Admin
  'GET /projections': doc('Projection status', 'Checkpoint, lag, state and parked events of every projection, and the worker lease.'),
  'POST /projections/:name/rebuild': doc(
    'Rebuild a projection',
    'Rebuilds a read model from the log into fresh collections and switches readers once caught up; must go to the lease holder.',
  ),
  'POST /admin/keys': doc('Create an API key', 'For the given roles (and the pii grant); the answer is the only time the key is shown.'),
  'GET /admin/keys': doc(
    'List API keys',
    'Every key with its status (active, expired, revoked) and who created and revoked it; never the key or its hash.',
  ),
  'POST /admin/keys/:id/revoke': doc(
    'Revoke an API key',
    'It stops working at once on every instance; the last active admin key cannot be revoked.',
  ),
  // Operations
  'GET /health': doc('Liveness probe', 'The process is up and serving HTTP; asks nothing external.'),
  'GET /ready': doc(
    'Readiness probe',
    'The event store and read store answer and every projection is close enough to the log (RELATA_READY_MAX_LAG_EVENTS).',
  ),
  'GET /metrics': doc('Prometheus metrics', 'Commands, appends, HTTP requests, projection lag, webhook deliveries, process metrics.'),
  'GET /docs': doc('API documentation (Swagger UI)', 'This document, browsable; paste an API key under Authorize to try routes.'),
  'GET /docs/openapi.json': doc(
    'This OpenAPI document',
    'Generated at start-up from the routes, the validation rules and the access table.',
  ),
  'GET /docs/docs-init.js': doc('Swagger UI start script', 'Served from this server so that the page needs no inline script.'),
  'GET /dashboard': doc('The analyst dashboard (HTML)', 'A static page that calls the analytics API with the key the analyst enters.'),
  'GET /dashboard/:file': doc("The dashboard's script and style sheet", 'Static assets of the dashboard page.'),
};
