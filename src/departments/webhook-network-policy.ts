import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** A network in CIDR notation, parsed; an address alone is a network of one. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export function parseCidr(text: string): Cidr | null {
  const [address, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined || address === undefined) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Never a webhook target, whatever is configured: link-local (where clouds answer their metadata
 * service, 169.254.169.254 and fd00:ec2::254 among them), other metadata addresses, "this host"
 * and multicast. A receiver has no business there, and a request to them from inside the network
 * hands an attacker who can register a webhook the instance's credentials.
 */
const ALWAYS_DENIED = [
  '169.254.0.0/16',
  'fe80::/10',
  'fd00:ec2::254/128',
  '100.100.100.200/32',
  '64:ff9b::a9fe:0/112',
  '0.0.0.0/8',
  '::/128',
  '224.0.0.0/4',
  'ff00::/8',
  '255.255.255.255/32',
];

/** Loopback and private ranges: only for receivers on the premises, so only where configured (RELATA_WEBHOOK_ALLOW_NETWORKS). */
const RESTRICTED = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

function blockList(networks: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of networks) {
    const cidr = parseCidr(text);
    if (cidr === null) throw new Error(`not a network: ${text}`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

/** The reason decide() gives for a host name: it is decided once resolved (see lookup). */
export const NOT_AN_IP = 'not an IP address';

export type NetworkDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * Which addresses webhooks may be delivered to. In order: a configured deny list wins; the
 * built-in denials hold whatever is allowed; loopback and private ranges need a configured allow
 * entry; any other (public) address is allowed.
 */
export class WebhookNetworkPolicy {
  private readonly denied: BlockList;
  private readonly alwaysDenied = blockList(ALWAYS_DENIED);
  private readonly restricted = blockList(RESTRICTED);
  private readonly allowed: BlockList;

  constructor(config: { allow: readonly string[]; deny: readonly string[] }) {
    this.allowed = blockList(config.allow);
    this.denied = blockList(config.deny);
  }

  /** The decision for one IP address (a resolved one: host names are not looked at here). */
  decide(address: string): NetworkDecision {
    const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const version = isIP(bare);
    if (version === 0) return { allowed: false, reason: NOT_AN_IP };
    const family = version === 4 ? 'ipv4' : 'ipv6';
    if (this.denied.check(bare, family)) return { allowed: false, reason: 'in a network RELATA_WEBHOOK_DENY_NETWORKS denies' };
    if (this.alwaysDenied.check(bare, family))
      return { allowed: false, reason: 'a link-local, metadata-service, multicast or unspecified address' };
    if (this.restricted.check(bare, family) && !this.allowed.check(bare, family)) {
      return { allowed: false, reason: 'a loopback or private address, not listed in RELATA_WEBHOOK_ALLOW_NETWORKS' };
    }
    return { allowed: true };
  }

  /**
   * A `lookup` for http.request: resolves as usual, then refuses (before any connection is made)
   * when an address the name resolves to is not allowed. Checking the addresses actually
   * connected to, rather than a name checked earlier, leaves no gap for DNS rebinding.
   */
  readonly lookup = (
    hostname: string,
    options: { family?: number | string; all?: boolean } | number,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const wanted = typeof options === 'number' ? { family: options } : options;
    dnsLookup(hostname, { family: Number(wanted.family ?? 0) as 0 | 4 | 6, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.map((entry) => this.decide(entry.address)).find((decision) => !decision.allowed);
      if (refused !== undefined && !refused.allowed) return callback(new WebhookTargetRefused(refused.reason), []);
      if (wanted.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** A delivery (or a subscription) whose target resolves to an address the policy does not allow. */
/**
 * At subscription: an IP literal must be allowed, and so must loopback for `localhost` names
 * (RFC 6761). Other names are not resolved here (the name may point elsewhere by delivery time,
 * and a subscription should not send DNS queries): every delivery checks what they resolve to.
 */
export function checkWebhookTarget(policy: WebhookNetworkPolicy, url: string): NetworkDecision {
  const host = new URL(url).hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return [policy.decide('127.0.0.1'), policy.decide('::1')].find((decision) => !decision.allowed) ?? { allowed: true };
  }
  const literal = policy.decide(host);
  return literal.allowed || literal.reason !== NOT_AN_IP ? literal : { allowed: true };
}

export class WebhookTargetRefused extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED';
  constructor(readonly reason: string) {
    super(`the webhook target is not allowed: ${reason}`);
    this.name = 'WebhookTargetRefused';
  }
}
