import * as os from 'node:os';
import { localProcessHost } from '../../src/shared/lease/worker-lease';

/** The host a lease holder is recorded on: a dead pid there may be taken over at once (read-store-lease.ts). */
describe('localProcessHost', () => {
  const proc = (files: Record<string, string>) => (file: string) => {
    if (!(file in files)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return files[file];
  };
  const boot = '/proc/sys/kernel/random/boot_id';
  const ns = '/proc/self/ns/pid';

  it('tells apart two containers with one host name, each with its own pid namespace', () => {
    const a = localProcessHost(proc({ [boot]: 'b00t\n', [ns]: 'pid:[4026532201]' }));
    const b = localProcessHost(proc({ [boot]: 'b00t\n', [ns]: 'pid:[4026532305]' }));
    expect(a).not.toBe(b);
  });

  it('is the same for two processes sharing the pid namespace of one host', () => {
    const files = { [boot]: 'b00t\n', [ns]: 'pid:[4026531836]' };
    expect(localProcessHost(proc(files))).toBe(localProcessHost(proc(files)));
    expect(localProcessHost(proc(files))).toBe(`${os.hostname()}/b00t/pid:[4026531836]`);
  });

  it('falls back to the host name where /proc is not there', () => {
    expect(localProcessHost(proc({}))).toBe(os.hostname());
  });
});
