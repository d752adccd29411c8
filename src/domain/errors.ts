/**
 * Every failure a user can cause carries a stable code. The code names an entry of the message
 * catalogue (src/i18n/catalogue.ts); params fill its placeholders. The domain never knows HTTP:
 * the server maps codes to statuses in one place.
 */
export type ErrorParams = Record<string, string | number>;

export class DomainError extends Error {
  readonly code: string;
  readonly params: ErrorParams;

  constructor(code: string, params: ErrorParams = {}, internalMessage?: string) {
    super(internalMessage ?? `${code} ${JSON.stringify(params)}`);
    this.name = "DomainError";
    this.code = code;
    this.params = params;
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
