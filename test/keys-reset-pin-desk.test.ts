/**
 * The service centre's PIN reset through the desk (POST /api/orders/{id}/reset-pin), on every test
 * store: the desk resets the PIN of the order's key plugged into its own station with the SO PIN it
 * keeps, only for an approved unlock order of that key (production or admin), and fulfils the
 * order; the SO PIN is in no answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSoPin } from "../src/keys/key-secrets.js";
import { SoftwareKey } from "../src/token/software-key.js";
import {
  KEY_SECRET,
  orderToShippedKeys,
  startKeyDesk,
  type KeyDesk,
  type TestStore,
} from "./support/keys.js";
import { orderAtProduction, USCC_A } from "./support/production.js";
import { testStores } from "./support/stores.js";

for (const kind of testStores) {
  describe(`PIN reset at the desk's station on ${kind.name}`, () => {
    let store: TestStore;
    let desk: KeyDesk;
    let keyFile = "";
    let newOrderId = "";
    let unlockOrderId = "";

    beforeAll(async () => {
      store = await kind.open();
      desk = await startKeyDesk(store);
      const made = await orderToShippedKeys(desk, {
        applicant: "supplierA",
        programmeId: "procurement",
        details: { years: 1 },
        ship: false,
      });
      newOrderId = made.orderId;
      keyFile = made.keyFiles[0]!;
      const key = await store.db
        .selectFrom("usb_keys")
        .select("certificate_id")
        .where("order_id", "=", made.orderId)
        .executeTakeFirstOrThrow();
      unlockOrderId = await orderAtProduction(store.db, {
        programmeId: "procurement",
        service: "unlock",
        uscc: USCC_A,
        details: { certificateId: key.certificate_id! },
      });
      // The holder's own PIN, which the reset replaces.
      await SoftwareKey.open(keyFile).changePin("12345678", "20261120");
    }, 180_000);
    afterAll(async () => {
      await desk?.close();
      await store?.dispose();
    });

    const resetPin = async (who: "production" | "reviewer" | "admin", orderId: string) =>
      (await desk.as(who))({ method: "POST", url: `/api/orders/${orderId}/reset-pin` });

    it("is refused to a reviewer, for an order not yet approved, and for an order not for a key", async () => {
      const reviewer = await resetPin("reviewer", unlockOrderId);
      expect(reviewer.status).toBe(403);
      expect(reviewer.json<{ code: string }>().code).toBe("auth.forbidden");
      const unapproved = await resetPin("production", unlockOrderId);
      expect(unapproved.status, unapproved.body).toBe(422);
      expect(unapproved.json<{ code: string }>().code).toBe("keys.order_not_ready");
      const other = await resetPin("production", newOrderId);
      expect(other.json<{ code: string }>().code).toBe("keys.order_not_for_key");
      // Refused, the key keeps the holder's PIN.
      expect((await SoftwareKey.open(keyFile).info()).defaultPin).toBe(false);
      await SoftwareKey.open(keyFile).login("20261120");
    });

    it("for the approved order, resets the key on the station to the initial PIN and fulfils the order", async () => {
      await store.db
        .updateTable("orders")
        .set({ state: "approved" })
        .where("id", "=", unlockOrderId)
        .execute();
      const reset = await resetPin("production", unlockOrderId);
      expect(reset.status, reset.body).toBe(200);
      const info = await SoftwareKey.open(keyFile).info();
      expect(reset.json()).toEqual({ serial: info.serial, defaultPin: true });
      expect(info.defaultPin).toBe(true);
      await SoftwareKey.open(keyFile).login("12345678");
      const row = await store.db
        .selectFrom("usb_keys")
        .select("so_pin")
        .where("serial", "=", info.serial)
        .executeTakeFirstOrThrow();
      expect(reset.body).not.toContain(openSoPin(row.so_pin, KEY_SECRET));
      const order = await store.db
        .selectFrom("orders")
        .select("state")
        .where("id", "=", unlockOrderId)
        .executeTakeFirstOrThrow();
      expect(order.state).toBe("completed");
      const audit = await store.db
        .selectFrom("audit_log")
        .select(["action", "actor"])
        .where("action", "=", "key.reset_pin")
        .execute();
      expect(audit).toHaveLength(1);
      // Done: the order cannot reset the PIN again.
      expect((await resetPin("admin", unlockOrderId)).json<{ code: string }>().code).toBe(
        "keys.order_not_ready",
      );
    });
  });
}
