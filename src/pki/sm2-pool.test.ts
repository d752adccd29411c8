/**
 * The SM2 thread pool gives the answers the in-thread code gives: signatures made on a pool thread
 * verify (GB/T 32918.2 with the GM/T 0009 ID), verification agrees on good, tampered and
 * wrong-ID signatures, and an exception (an ID too long) is raised as in-thread. The pool is the
 * fallback's (no SM2 addon): the native path is switched off here.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sm2Signer, verifySignatureAsync, verifySignature, signatureAlgorithm } from "./signer.js";
import { sm2, sm2KeyPairFromKeyObject, sm2PublicKeyToSpki } from "./sm2.js";
import { setSm2Native } from "./sm2-native.js";
import { sm2Pool } from "./sm2-pool.js";

const pair = sm2KeyPairFromKeyObject(generateKeyPairSync("ec", { namedCurve: "SM2" }).privateKey);
const spki = sm2PublicKeyToSpki(pair.publicKey);
const message = (i: number) => new TextEncoder().encode(`tbs ${i}`);

/** Until a pool thread has answered (threads take a moment to start), at most ~20 s. */
async function poolAnswered(): Promise<boolean> {
  const signer = sm2Signer(pair);
  for (let i = 0; i < 200; i++) {
    const before = sm2Pool().stats.pooled;
    await signer.sign(message(i));
    if (sm2Pool().stats.pooled > before) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("the SM2 thread pool", () => {
  beforeAll(() => setSm2Native(false));
  afterAll(() => setSm2Native(true));

  it("starts its threads and signs on them", async () => {
    expect(await poolAnswered()).toBe(true);
  });

  it("signatures made on the pool verify in-thread with the GM/T 0009 ID (many at once)", async () => {
    const signer = sm2Signer(pair);
    const messages = Array.from({ length: 64 }, (_, i) => message(i));
    const signatures = await Promise.all(messages.map((m) => signer.sign(m)));
    messages.forEach((m, i) => expect(sm2.verify(pair.publicKey, m, signatures[i]!)).toBe(true));
  });

  it("verification agrees with the in-thread one: good, tampered, another message, another ID", async () => {
    const m = message(1);
    const good = sm2.sign(pair.privateKey, m);
    const tampered = good.slice();
    tampered[tampered.length - 1]! ^= 1;
    const algorithm = signatureAlgorithm("sm2");
    const cases: [Uint8Array, Uint8Array, string | undefined][] = [
      [m, good, undefined],
      [m, tampered, undefined],
      [message(2), good, undefined],
      [m, good, "another-id"],
    ];
    for (const [data, signature, sm2Id] of cases) {
      const options = sm2Id === undefined ? {} : { sm2Id };
      expect(await verifySignatureAsync(spki, algorithm, data, signature, options)).toBe(
        verifySignature(spki, algorithm, data, signature, options),
      );
    }
    expect(await verifySignatureAsync(spki, algorithm, m, good)).toBe(true);
  });

  it("an ID too long is refused as in-thread (pki.sm2_id_too_long)", async () => {
    const m = message(1);
    const signature = sm2.sign(pair.privateKey, m);
    const sm2Id = "x".repeat(9000);
    await expect(
      verifySignatureAsync(spki, signatureAlgorithm("sm2"), m, signature, { sm2Id }),
    ).rejects.toMatchObject({ code: "pki.sm2_id_too_long" });
  });
});
