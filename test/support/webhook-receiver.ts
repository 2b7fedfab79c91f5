import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver saw of one request. */
export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered. */
  answered: number;
}

/** A real HTTP server on 127.0.0.1 (random port) answering with the queued statuses, then 200. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly queue: number[] = [];
  private server!: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const answered = this.queue.shift() ?? 200;
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
        response.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/relata`;
    return this;
  }

  answer(...statuses: number[]): void {
    this.queue.push(...statuses);
  }

  /** Webhook-Ids the receiver accepted (2xx), with how often each. */
  acceptedIds(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.received.filter((r) => r.answered < 300)) {
      const id = String(r.headers['webhook-id']);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  types(): string[] {
    return this.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
  }

  stop(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The receiver's side of the signing contract, computed independently of Relata's code. */
export function webhookSignatureIsValid(received: ReceivedWebhook, secret: string): boolean {
  const timestamp = String(received.headers['webhook-timestamp']);
  const expected = createHmac('sha256', secret).update(`${timestamp}.${received.body}`).digest('hex');
  return received.headers['webhook-signature'] === `v1=${expected}`;
}
