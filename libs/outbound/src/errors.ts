import { LeapError } from '@leap/errors';

/**
 * An outbound fetch refused by the address guard. The code is the caller's: ingest answers
 * `INGEST.URL_NOT_ALLOWED` (422), another area may name it its own way.
 */
export class AddressNotAllowedError extends LeapError {
  constructor(
    message: string,
    readonly host: string,
    readonly reason: string,
    code = 'OUTBOUND.ADDRESS_NOT_ALLOWED',
  ) {
    super(code, message, { status: 422, retryable: false, details: { host, reason } });
    this.name = 'AddressNotAllowedError';
  }

  /** The same refusal under another stable code. */
  withCode(code: string): AddressNotAllowedError {
    return new AddressNotAllowedError(this.message, this.host, this.reason, code);
  }
}
