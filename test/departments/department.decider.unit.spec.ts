import { commandsAt, spec } from '../support/decider-spec';
import { fold } from '../../src/shared/decider/decider';
import {
  type DepartmentCommand,
  departmentDecider,
  departmentStream,
  MAX_WEBHOOKS_PER_DEPARTMENT,
} from '../../src/departments/department.decider';
import type { DepartmentEvent } from '../../src/departments/department.events';

const id = 'd-1';
const NOW = '2026-03-10T12:00:00.000Z';
const EARLIER = '2026-03-01T09:00:00.000Z';

const created: DepartmentEvent = {
  type: 'DepartmentCreated',
  data: { departmentId: id, name: 'Billing', supervisorId: 'sup-1', createdAt: EARLIER },
};
const subscribed = (webhookId = 'w-1', url = 'https://hooks.example.com/a'): DepartmentEvent => ({
  type: 'WebhookSubscribed',
  data: { departmentId: id, webhookId, url, eventTypes: ['*'], scope: 'assigned', secretSource: 'generated', subscribedAt: EARLIER },
});
const unsubscribed = (webhookId = 'w-1'): DepartmentEvent => ({
  type: 'WebhookUnsubscribed',
  data: { departmentId: id, webhookId, unsubscribedAt: EARLIER },
});

const departments = spec(departmentDecider);
const cmd = commandsAt<DepartmentCommand>(NOW);

const subscribe = (webhookId = 'w-2', url = 'https://hooks.example.com/b') =>
  cmd({
    type: 'SubscribeWebhook',
    data: {
      webhookId,
      url,
      eventTypes: ['ComplaintAssigned', 'ComplaintAssigned', 'EscalationRaised'],
      scope: 'all',
      secretSource: 'provided',
    },
  });

describe('department decider', () => {
  it('names the stream after the department', () => {
    expect(departmentStream('abc')).toBe('department-abc');
  });

  describe('CreateDepartment', () => {
    const create = cmd({ type: 'CreateDepartment', data: { departmentId: id, name: 'Billing', supervisorId: null } });

    it('creates a department stamped with the command time', () =>
      departments
        .given([])
        .when(create)
        .then([{ type: 'DepartmentCreated', data: { departmentId: id, name: 'Billing', supervisorId: null, createdAt: NOW } }]));

    it('refuses to create it twice', () => departments.given([created]).when(create).thenFails('DEPARTMENT_ALREADY_EXISTS', 422));
  });

  describe('UpdateDepartment', () => {
    it('records only what changes', () =>
      departments
        .given([created])
        .when(cmd({ type: 'UpdateDepartment', data: { name: 'Billing', supervisorId: 'sup-2' } }))
        .then([{ type: 'DepartmentUpdated', data: { departmentId: id, changes: { supervisorId: 'sup-2' }, updatedAt: NOW } }]));

    it('can remove the supervisor', () =>
      departments
        .given([created])
        .when(cmd({ type: 'UpdateDepartment', data: { supervisorId: null } }))
        .then([{ type: 'DepartmentUpdated', data: { departmentId: id, changes: { supervisorId: null }, updatedAt: NOW } }]));

    it('records nothing when nothing changes', () =>
      departments
        .given([created])
        .when(cmd({ type: 'UpdateDepartment', data: { name: 'Billing', supervisorId: 'sup-1' } }))
        .thenNothing());

    it('refuses an unknown department', () =>
      departments
        .given([])
        .when(cmd({ type: 'UpdateDepartment', data: { name: 'X' } }))
        .thenFails('DEPARTMENT_NOT_FOUND', 404));

    it('folds updates into the state other slices read', () => {
      const state = fold(departmentDecider, [
        created,
        { type: 'DepartmentUpdated', data: { departmentId: id, changes: { name: 'Billing & Refunds' }, updatedAt: NOW } },
        { type: 'DepartmentUpdated', data: { departmentId: id, changes: { supervisorId: null }, updatedAt: NOW } },
      ]);
      expect(state).toMatchObject({ exists: true, departmentId: id, name: 'Billing & Refunds', supervisorId: null });
      expect(departmentDecider.initialState()).toMatchObject({ exists: false, name: null, supervisorId: null });
    });
  });

  describe('SubscribeWebhook', () => {
    it('subscribes with de-duplicated event types, and no secret in the event', () =>
      departments
        .given([created, subscribed()])
        .when(subscribe())
        .then([
          {
            type: 'WebhookSubscribed',
            data: {
              departmentId: id,
              webhookId: 'w-2',
              url: 'https://hooks.example.com/b',
              eventTypes: ['ComplaintAssigned', 'EscalationRaised'],
              scope: 'all',
              secretSource: 'provided',
              subscribedAt: NOW,
            },
          },
        ]));

    it('refuses an unknown department', () => departments.given([]).when(subscribe()).thenFails('DEPARTMENT_NOT_FOUND', 404));

    it('refuses a webhook id already used, even once unsubscribed', () =>
      departments
        .given([created, subscribed('w-2', 'https://x.example.com'), unsubscribed('w-2')])
        .when(subscribe())
        .thenFails('WEBHOOK_ALREADY_EXISTS', 422));

    it('refuses a second active webhook for the same URL, allows it after unsubscribing', () => {
      departments
        .given([created, subscribed('w-1', 'https://hooks.example.com/b')])
        .when(subscribe())
        .thenFails('WEBHOOK_URL_ALREADY_SUBSCRIBED', 422);
      expect(
        departmentDecider.decide(
          subscribe(),
          fold(departmentDecider, [created, subscribed('w-1', 'https://hooks.example.com/b'), unsubscribed('w-1')]),
        ),
      ).toHaveLength(1);
    });

    it(`refuses more than ${MAX_WEBHOOKS_PER_DEPARTMENT} active webhooks`, () => {
      const many = Array.from({ length: MAX_WEBHOOKS_PER_DEPARTMENT }, (_, i) =>
        subscribed(`w-${i + 10}`, `https://hooks.example.com/${i}`),
      );
      departments
        .given([created, ...many])
        .when(subscribe())
        .thenFails('WEBHOOK_LIMIT_REACHED', 422);
    });
  });

  describe('UnsubscribeWebhook', () => {
    const unsubscribe = cmd({ type: 'UnsubscribeWebhook', data: { webhookId: 'w-1' } });

    it('unsubscribes an active webhook', () =>
      departments
        .given([created, subscribed()])
        .when(unsubscribe)
        .then([{ type: 'WebhookUnsubscribed', data: { departmentId: id, webhookId: 'w-1', unsubscribedAt: NOW } }]));

    it('refuses an unknown or already removed webhook', () => {
      departments.given([created]).when(unsubscribe).thenFails('WEBHOOK_NOT_FOUND', 404);
      departments.given([created, subscribed(), unsubscribed()]).when(unsubscribe).thenFails('WEBHOOK_NOT_FOUND', 404);
    });

    it('refuses an unknown department', () => departments.given([]).when(unsubscribe).thenFails('DEPARTMENT_NOT_FOUND', 404));
  });
});
