import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config/config';
import { checkWebhookTarget, WebhookNetworkPolicy, WebhookTargetRefused } from '../../src/departments/webhook-network-policy';
import { describeFailure, postWebhook, UNREACHABLE } from '../../src/departments/webhook-transport';

/**
 * Which addresses webhooks may go to. Deny decisions are tested without connecting anywhere: the
 * policy decides on addresses, and the transport decides before it opens a socket. The only
 * connections made are to a receiver on 127.0.0.1.
 */
describe('webhook target network policy', () => {
  const byDefault = new WebhookNetworkPolicy({ allow: [], deny: [] });

  it.each([
    ['169.254.169.254', 'cloud metadata (IPv4 link-local)'],
    ['fd00:ec2::254', 'cloud metadata (AWS IPv6)'],
    ['100.100.100.200', 'cloud metadata (Alibaba)'],
    ['::ffff:169.254.169.254', 'metadata as an IPv4-mapped IPv6 address'],
    ['fe80::1', 'IPv6 link-local'],
    ['[fe80::1%25eth0]', 'IPv6 link-local with a zone, as in a URL'],
    ['0.0.0.0', 'this host'],
    ['224.0.0.1', 'multicast'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12::1', 'IPv6 unique local'],
  ])('denies %s (%s) by default', (address) => {
    expect(byDefault.decide(address).allowed).toBe(false);
  });

  it('allows public addresses by default', () => {
    expect(byDefault.decide('93.184.216.34')).toEqual({ allowed: true });
    expect(byDefault.decide('2606:2800:220:1:248:1893:25c8:1946')).toEqual({ allowed: true });
  });

  it('opens loopback and private ranges only as configured, never link-local or metadata', () => {
    const onPremise = new WebhookNetworkPolicy({ allow: ['127.0.0.0/8', '10.20.0.0/16', '169.254.0.0/16', 'fe80::/10'], deny: [] });
    expect(onPremise.decide('127.0.0.1').allowed).toBe(true);
    expect(onPremise.decide('10.20.3.4').allowed).toBe(true);
    expect(onPremise.decide('10.21.3.4').allowed).toBe(false);
    expect(onPremise.decide('169.254.169.254').allowed).toBe(false);
    expect(onPremise.decide('fe80::1').allowed).toBe(false);
  });

  it('lets a configured deny list close public networks and win over the allow list', () => {
    const policy = new WebhookNetworkPolicy({ allow: ['127.0.0.0/8'], deny: ['203.0.113.0/24', '127.0.0.2'] });
    expect(policy.decide('203.0.113.9').allowed).toBe(false);
    expect(policy.decide('127.0.0.2').allowed).toBe(false);
    expect(policy.decide('127.0.0.1').allowed).toBe(true);
  });

  it('checks IP literals and localhost names at subscription, and leaves other names to delivery (no DNS query)', () => {
    expect(checkWebhookTarget(byDefault, 'http://localhost:8080/in')).toMatchObject({ allowed: false });
    expect(checkWebhookTarget(byDefault, 'http://api.localhost:8080/in')).toMatchObject({ allowed: false });
    expect(checkWebhookTarget(byDefault, 'http://[::ffff:a9fe:a9fe]/latest')).toMatchObject({ allowed: false });
    expect(checkWebhookTarget(new WebhookNetworkPolicy({ allow: ['127.0.0.0/8', '::1'], deny: [] }), 'http://localhost:8080/in')).toEqual({
      allowed: true,
    });
    expect(checkWebhookTarget(byDefault, 'https://hooks.example.com/in')).toEqual({ allowed: true });
  });

  it('reads the lists from RELATA_WEBHOOK_ALLOW_NETWORKS and RELATA_WEBHOOK_DENY_NETWORKS, refusing malformed networks', () => {
    expect(loadConfig({}).webhookNetworks).toEqual({ allow: [], deny: [] });
    expect(
      loadConfig({ RELATA_WEBHOOK_ALLOW_NETWORKS: '10.0.0.0/8, 127.0.0.1,fd00::/8', RELATA_WEBHOOK_DENY_NETWORKS: '203.0.113.0/24' })
        .webhookNetworks,
    ).toEqual({
      allow: ['10.0.0.0/8', '127.0.0.1', 'fd00::/8'],
      deny: ['203.0.113.0/24'],
    });
    for (const bad of ['10.0.0.0/33', 'intranet', '10.0.0.0/8/1', '::1/129']) {
      expect(() => loadConfig({ RELATA_WEBHOOK_ALLOW_NETWORKS: bad })).toThrow(ConfigError);
    }
  });

  describe('at delivery', () => {
    let server: http.Server;
    let port: number;
    let connections = 0;

    beforeAll(async () => {
      server = http.createServer((_request, response) => response.writeHead(204).end());
      server.on('connection', () => (connections += 1));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const post = (policy: WebhookNetworkPolicy, url: string) =>
      postWebhook(policy, {
        url,
        headers: { 'content-type': 'application/json' },
        body: '{}',
        timeoutMs: 5_000,
        signal: new AbortController().signal,
      });

    it('refuses a name that resolves to a denied address before connecting to it', async () => {
      const before = connections;
      await expect(post(byDefault, `http://localhost:${port}/in`)).rejects.toBeInstanceOf(WebhookTargetRefused);
      await expect(post(byDefault, `http://127.0.0.1:${port}/in`)).rejects.toBeInstanceOf(WebhookTargetRefused);
      expect(connections).toBe(before);
    });

    it('delivers where the policy allows it', async () => {
      const loopback = new WebhookNetworkPolicy({ allow: ['127.0.0.0/8', '::1'], deny: [] });
      expect(await post(loopback, `http://127.0.0.1:${port}/in`)).toBe(204);
    });

    it('logs a refused port and a silent one alike', async () => {
      const closedPort = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      const filtered = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
      const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      expect(new Set([closedPort, filtered, reset].map(describeFailure))).toEqual(new Set([UNREACHABLE]));
      expect(describeFailure(new WebhookTargetRefused('a loopback or private address'))).toContain('not allowed');
    });
  });
});
