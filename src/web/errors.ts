/** An error whose message is meant for the user, with its HTTP status and a stable code. */
export class UserError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
  }
}
