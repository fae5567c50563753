import { codeNameFor, ErrorCodes, type ErrorCodeName } from './codes.js';

/**
 * An error as MongoDB reports it: `{ok: 0, errmsg, code, codeName, errorLabels?}`.
 * Every layer throws this for user-visible failures; the wire server and the embedded client turn it into
 * a reply or a rejected promise with the same fields.
 */
export class MongoServerError extends Error {
  readonly code: number;
  readonly codeName: string;
  errorLabels: string[];
  /** Extra reply fields, such as `keyPattern`/`keyValue` on DuplicateKey or `writeErrors` on a write. */
  readonly extra: Record<string, unknown>;

  constructor(code: number, message: string, options: { labels?: string[]; extra?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MongoServerError';
    this.code = code;
    this.codeName = codeNameFor(code);
    this.errorLabels = options.labels ? [...options.labels] : [];
    this.extra = options.extra ?? {};
  }

  get errmsg(): string {
    return this.message;
  }

  hasErrorLabel(label: string): boolean {
    return this.errorLabels.includes(label);
  }

  addErrorLabel(label: string): void {
    if (!this.errorLabels.includes(label)) this.errorLabels.push(label);
  }

  /** The error reply document, as the server sends it. */
  toReply(): Record<string, unknown> {
    const reply: Record<string, unknown> = { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName };
    if (this.errorLabels.length > 0) reply.errorLabels = [...this.errorLabels];
    return { ...reply, ...this.extra };
  }
}

/** Shorthand: throw-able error for a named code. */
export function mongoError(name: ErrorCodeName, message: string, options?: { labels?: string[]; extra?: Record<string, unknown>; cause?: unknown }): MongoServerError {
  return new MongoServerError(ErrorCodes[name], message, options);
}

/** Wraps anything that is not already a MongoServerError (a SQLite error, a bug) as InternalError with a cause. */
export function asServerError(err: unknown): MongoServerError {
  if (err instanceof MongoServerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MongoServerError(ErrorCodes.InternalError, message, { cause: err });
}
