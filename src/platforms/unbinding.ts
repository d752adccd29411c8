/**
 * Ending bindings when a certificate ends (revoked, or its account closed): audited as platform
 * events. Apart from bindings.ts so that revocation (src/ca) can call it without reaching orders.
 */
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import { emitCertificateEvent } from "./events.js";

/**
 * Ends the live bindings of a certificate (it was revoked, or the platform closed the account),
 * audited and told to the platforms. Returns the ended bindings' ids.
 */
export async function unbindCertificateInTx(
  tx: Transaction<Database>,
  now: Date,
  certificateId: string,
  reason: string,
): Promise<string[]> {
  const ended = await tx
    .updateTable("bindings")
    .set({ unbound_at: now, unbound_reason: reason })
    .where("certificate_id", "=", certificateId)
    .where("unbound_at", "is", null)
    .returning(["id", "platform_account_id"])
    .execute();
  for (const b of ended) {
    const account = await tx
      .selectFrom("platform_accounts")
      .select("account_name")
      .where("id", "=", b.platform_account_id)
      .executeTakeFirstOrThrow();
    await emitCertificateEvent(
      tx,
      "binding.unbound",
      certificateId,
      { account: account.account_name, bindingId: b.id, reason },
      now,
    );
  }
  return ended.map((b) => b.id);
}
