/** Credentials that authenticate no one (answered 401); the reason is safe to show to the client. */
export class AuthenticationFailed extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AuthenticationFailed';
  }
}
