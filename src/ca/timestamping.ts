/**
 * The desk's timestamp authority at POST /tsa (RFC 3161): the active "tsa" CA row signs, its
 * issuing CA and root go along when a request asks for certificates. One TSA answers for the desk:
 * RSA when the desk has it (every verifier reads it: openssl, Adobe, poppler), else P-256, else SM2.
 * Every token gets a fresh random serial (section 2.4.2: unique per TSA) and the clock's time.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { answerTimestampRequest, type TimestampAuthority } from "../pki/tsa.js";
import { randomSerial } from "../pki/serial.js";
import type { CaAlgorithm, Database } from "../store/schema.js";
import type { CaRegistry } from "./ca.js";
import { caChain } from "./certificate-signing.js";

const PREFERENCE: readonly CaAlgorithm[] = ["rsa", "ecdsa-p256", "sm2"];
/** A TSA made or replaced by `ca init` is picked up within this time. */
const RELOAD_MS = 5 * 60_000;

export class Timestamping {
  #authority: { loaded: Promise<TimestampAuthority>; at: number } | undefined;

  constructor(private readonly deps: { db: Kysely<Database>; clock: Clock; cas: CaRegistry }) {}

  /** The DER TimeStampResp for a DER TimeStampReq: granted, or rejected for a request it cannot honour. */
  async answer(request: Uint8Array): Promise<Uint8Array> {
    const tsa = await this.authority();
    const genTime = this.deps.clock.now();
    return answerTimestampRequest(tsa, request, { serial: BigInt(`0x${randomSerial()}`), genTime });
  }

  authority(): Promise<TimestampAuthority> {
    const now = Date.now();
    if (!this.#authority || now - this.#authority.at > RELOAD_MS) {
      const loaded = this.#load();
      // A failure (no TSA yet, a key that will not open) is not kept: the next request tries again.
      loaded.catch(() => {
        if (this.#authority?.loaded === loaded) this.#authority = undefined;
      });
      this.#authority = { loaded, at: now };
    }
    return this.#authority.loaded;
  }

  async #load(): Promise<TimestampAuthority> {
    const rows = await this.deps.db
      .selectFrom("cas")
      .select(["id", "algorithm"])
      .where("kind", "=", "tsa")
      .where("active", "=", true)
      .execute();
    const row = PREFERENCE.map((a) => rows.find((r) => r.algorithm === a)).find((r) => r !== undefined);
    if (!row) throw new DomainError("tsa.not_configured");
    const ca = await this.deps.cas.byId(row.id);
    const chain = (await caChain(this.deps.db, row.id)).slice(1);
    return { certificate: ca.certificate, signer: ca.signer, chain };
  }
}
