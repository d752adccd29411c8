/**
 * Activation needs the holder's proof, on every test store: the order's activation code (sent by
 * SMS when the keys ship) and a signature the key made over it. The certificate's activation route
 * refuses an empty body, a key that was not shipped and a wrong code, and with the proof activates
 * the certificate and its key together.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activationMessage } from "../src/token/protocol.js";
import { SoftwareKey } from "../src/token/software-key.js";
import {
  orderToShippedKeys,
  saveWalkProgramme,
  startKeyDesk,
  type KeyDesk,
  type TestStore,
} from "./support/keys.js";
import { testStores } from "./support/stores.js";

const FACTORY_PIN = "123456";

/** What the security client does: the key signs the activation message with its certificate's key pair. */
async function keySignsActivation(
  file: string,
  code: string,
): Promise<{ certificateSerial: string; signature: string }> {
  const key = SoftwareKey.open(file);
  const { serial } = await key.info();
  const [cert] = await key.certificates();
  const { parseCertificate } = await import("../src/pki/certificate.js");
  const certificateSerial = parseCertificate(cert!.der).serialNumber;
  const session = await key.login(FACTORY_PIN);
  const signature = await (
    await session.signer(cert!.id)
  ).sign(activationMessage({ keySerial: serial, certificateSerial, code }));
  return { certificateSerial, signature: Buffer.from(signature).toString("base64") };
}

for (const kind of testStores) {
  describe(`activation with the holder's proof on ${kind.name}`, () => {
    let store: TestStore;
    let desk: KeyDesk;

    beforeAll(async () => {
      store = await kind.open();
      desk = await startKeyDesk(store);
      await saveWalkProgramme(store);
    }, 120_000);
    afterAll(async () => {
      await desk?.close();
      await store?.dispose();
    });

    const states = async (orderId: string) => {
      const key = await store.db
        .selectFrom("usb_keys")
        .select(["certificate_id", "activated_at"])
        .where("order_id", "=", orderId)
        .executeTakeFirstOrThrow();
      const cert = await store.db
        .selectFrom("certificates")
        .select(["id", "status", "activated_at"])
        .where("id", "=", key.certificate_id!)
        .executeTakeFirstOrThrow();
      return { certificateId: cert.id, key: key.activated_at, cert: cert.activated_at, status: cert.status };
    };

    it("POST /api/certificates/{id}/activate with {} is refused, and activates nothing", async () => {
      const order = await orderToShippedKeys(desk, {
        applicant: "retailerB",
        programmeId: "power-trading-walk",
        details: { years: 1, keys: 1, plan: "basic" },
      });
      const holder = await desk.as("retailerB");
      const { certificateId } = await states(order.orderId);
      const res = await holder({
        method: "POST",
        url: `/api/certificates/${certificateId}/activate`,
        payload: {},
      });
      expect(res.status, res.body).toBeGreaterThanOrEqual(400);
      expect(res.status, res.body).toBeLessThan(500);
      expect(await states(order.orderId)).toMatchObject({ key: null, cert: null, status: "issued" });
    }, 180_000);

    it("a key that was not shipped is refused, even with a signature by the key", async () => {
      const order = await orderToShippedKeys(desk, {
        applicant: "retailerB",
        programmeId: "power-trading-walk",
        details: { years: 1, keys: 1, plan: "basic" },
        ship: false,
      });
      const holder = await desk.as("retailerB");
      const { certificateId } = await states(order.orderId);
      const proof = await keySignsActivation(order.keyFiles[0]!, "12345678");
      const res = await holder({
        method: "POST",
        url: `/api/certificates/${certificateId}/activate`,
        payload: { code: "12345678", signature: proof.signature },
      });
      expect(res.status, res.body).toBeGreaterThanOrEqual(400);
      expect(res.status, res.body).toBeLessThan(500);
      expect(res.json<{ code: string }>().code).toBe("keys.not_shipped");
      expect(await states(order.orderId)).toMatchObject({ key: null, cert: null, status: "issued" });
    }, 180_000);

    it("a shipped key with a wrong code is refused; with the right code the certificate and its key are activated together", async () => {
      const order = await orderToShippedKeys(desk, {
        applicant: "retailerB",
        programmeId: "power-trading-walk",
        details: { years: 1, keys: 1, plan: "basic" },
      });
      const holder = await desk.as("retailerB");
      const { certificateId } = await states(order.orderId);
      const wrongCode = order.activationCode === "00000000" ? "11111111" : "00000000";
      const wrong = await keySignsActivation(order.keyFiles[0]!, wrongCode);
      const refused = await holder({
        method: "POST",
        url: `/api/certificates/${certificateId}/activate`,
        payload: { code: wrongCode, signature: wrong.signature },
      });
      expect(refused.status, refused.body).toBeGreaterThanOrEqual(400);
      expect(refused.status, refused.body).toBeLessThan(500);
      expect(refused.json<{ code: string }>().code).toBe("keys.code_wrong");
      expect(await states(order.orderId)).toMatchObject({ key: null, cert: null });

      const proof = await keySignsActivation(order.keyFiles[0]!, order.activationCode);
      const ok = await holder({
        method: "POST",
        url: `/api/certificates/${certificateId}/activate`,
        payload: { code: order.activationCode, signature: proof.signature },
      });
      expect(ok.status, ok.body).toBe(200);
      const after = await states(order.orderId);
      expect(after.status).toBe("active");
      expect(after.cert).toBeInstanceOf(Date);
      expect(after.key).toEqual(after.cert);
      const view = await holder({ method: "GET", url: `/api/orders/${order.orderId}` });
      // Programme B has no binding step: activation completes the order.
      expect(view.json<{ state: string }>().state).toBe("completed");
    }, 180_000);
  });
}
