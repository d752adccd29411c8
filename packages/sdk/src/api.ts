/**
 * The platform API's requests and answers, generated from certdesk's OpenAPI document by
 * packages/sdk/scripts/api-types.ts. Do not edit: run the script after changing a route.
 */
export interface PlatformApi {
  /** Bind an account to the certificate whose key signed the bind challenge (one account, one certificate) */
  "POST /bindings": {
    params: Record<string, never>;
    body: { challenge: string; origin: string; certificate: string; signature: string; account: string };
    answer: {
      id: string;
      account: string;
      certificate: { id: string; serial: string; subject: string; notAfter: string; status: string };
      boundAt: string;
      unboundAt: string | null;
      unboundReason: string | null;
      platform: string | null;
      succeeds: string | null;
    };
  };
  /** An account's current binding and its history */
  "GET /bindings/{account}": {
    params: { account: string };
    body: never;
    answer: {
      account: string;
      current: {
        id: string;
        account: string;
        certificate: { id: string; serial: string; subject: string; notAfter: string; status: string };
        boundAt: string;
        unboundAt: string | null;
        unboundReason: string | null;
        platform: string | null;
        succeeds: string | null;
      } | null;
      history: Array<{
        id: string;
        account: string;
        certificate: { id: string; serial: string; subject: string; notAfter: string; status: string };
        boundAt: string;
        unboundAt: string | null;
        unboundReason: string | null;
        platform: string | null;
        succeeds: string | null;
      }>;
    };
  };
  /** End an account's binding (the account closed, the user asked) */
  "POST /bindings/{account}/unbind": {
    params: { account: string };
    body: { reason?: string };
    answer: {
      id: string;
      account: string;
      certificate: { id: string; serial: string; subject: string; notAfter: string; status: string };
      boundAt: string;
      unboundAt: string | null;
      unboundReason: string | null;
      platform: string | null;
      succeeds: string | null;
    };
  };
  /** A challenge for the user's key to sign (bind or login), valid 5 minutes, used once */
  "POST /challenges": {
    params: Record<string, never>;
    body: { purpose: "bind" | "login" };
    answer: { challenge: string; expiresAt: string };
  };
  /** Certificate login: was the login challenge signed by a valid, unrevoked certificate, bound to which account? */
  "POST /logins": {
    params: Record<string, never>;
    body: { challenge: string; origin: string; certificate: string; signature: string };
    answer: {
      account: string;
      bindingId: string;
      certificate: {
        serial: string;
        subject: string;
        organisation: string | null;
        uscc: string | null;
        notAfter: string;
      };
    };
  };
}
