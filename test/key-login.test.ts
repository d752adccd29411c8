/**
 * The desk's login with the USB key (docs/agent.md, "Origin-bound login signatures"), on each
 * store: the challenge names the desk's origin; the key's answer bound to it opens a session once;
 * the same answer again is refused (the challenge is used), and so is a good signature bound to
 * another site's origin (what a platform's page would get from the agent).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SoftwareKey } from "../src/token/software-key.js";
import { signLogin } from "../src/client/actions.js";
import { clientHarness, readyHolderKey } from "./support/client.js";
import {
  orderToShippedKeys,
  startKeyDesk,
  type KeyDesk,
  type ShippedOrder,
  type TestStore,
} from "./support/keys.js";
import { testStores } from "./support/stores.js";
import { join } from "node:path";

const DESK_ORIGIN = "https://desk.example.com";
const PIN = "20261120";

for (const kind of testStores) {
  describe(`key login bound to the desk's origin (${kind.name})`, () => {
    let store: TestStore;
    let desk: KeyDesk;
    let order: ShippedOrder;

    beforeAll(async () => {
      store = await kind.open();
      desk = await startKeyDesk(store, undefined, { publicUrl: `${DESK_ORIGIN}/` });
      order = await orderToShippedKeys(desk, {
        applicant: "supplierA",
        programmeId: "procurement",
        details: { years: 1 },
      });
      const client = clientHarness({ CERTDESK_CLIENT_HOME: join(desk.dir, "client-home") });
      const key = order.keyFiles[0]!;
      await readyHolderKey(client, {
        deskUrl: desk.url,
        keyFile: key,
        activationCode: order.activationCode,
        pin: PIN,
      });
    }, 180_000);
    afterAll(async () => {
      await desk?.close();
      await store?.dispose();
    });

    const challenge = async () =>
      (await (await fetch(`${desk.url}/api/auth/key/challenge`, { method: "POST" })).json()) as {
        challenge: string;
        origin: string;
      };
    const login = async (body: unknown) => {
      const res = await fetch(`${desk.url}/api/auth/key/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "accept-language": "en" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { code?: string; detail?: string } };
    };

    it("a signature bound to the desk's origin logs in once; one bound to another site's origin never", async () => {
      const key = SoftwareKey.open(order.keyFiles[0]!);
      const first = await challenge();
      expect(first.origin).toBe(DESK_ORIGIN);
      const signed = await signLogin(key, { pin: PIN, origin: first.origin, challenge: first.challenge });
      const answer = {
        challenge: first.challenge,
        certificate: signed.certificate,
        signature: signed.signature,
      };
      expect((await login(answer)).status).toBe(200);
      expect(await login(answer)).toMatchObject({ status: 409, body: { code: "keys.challenge_used" } });

      const second = await challenge();
      const elsewhere = await signLogin(key, {
        pin: PIN,
        origin: "https://bid.example.com",
        challenge: second.challenge,
      });
      const relayed = await login({
        challenge: second.challenge,
        certificate: elsewhere.certificate,
        signature: elsewhere.signature,
      });
      expect(relayed).toMatchObject({ status: 403, body: { code: "keys.login_signature_invalid" } });
      expect(relayed.body.detail).toContain(DESK_ORIGIN);
      // The refused answer did not spend the challenge: the right one still logs in.
      const right = await signLogin(key, { pin: PIN, origin: DESK_ORIGIN, challenge: second.challenge });
      expect(
        (
          await login({
            challenge: second.challenge,
            certificate: right.certificate,
            signature: right.signature,
          })
        ).status,
      ).toBe(200);
    });
  });
}
