/**
 * Stock OpenSSL as the judge of an issued chain (end entity, issuing CA, root). OpenSSL 3.0 applies
 * -vfyopt distid only to the certificate being verified (openssl/openssl#23471), so an SM2 chain
 * is checked one link at a time, each with the GM/T 0009 signer ID.
 */
import { DISTID, Workdir, attime, openssl } from "./pki.js";
import type { KeyAlgorithm } from "../../src/pki/signer.js";

export function opensslVerifiesChain(
  chain: readonly Uint8Array[],
  algorithm: KeyAlgorithm | string,
  at: Date,
): { ok: boolean; output: string } {
  const [ee, issuing, root] = chain;
  if (!ee || !issuing || !root) return { ok: false, output: `chain of ${chain.length} certificates` };
  const dir = new Workdir();
  try {
    dir.writePem("ee.pem", "CERTIFICATE", ee);
    dir.writePem("sub.pem", "CERTIFICATE", issuing);
    dir.writePem("root.pem", "CERTIFICATE", root);
    const verify = (args: string[]) => openssl(["verify", "-attime", attime(at), ...args], dir.path);
    if (algorithm !== "sm2") {
      const r = verify(["-CAfile", "root.pem", "-untrusted", "sub.pem", "ee.pem"]);
      return { ok: r.code === 0 && r.output.includes("ee.pem: OK"), output: r.output };
    }
    const sub = verify(["-vfyopt", DISTID, "-CAfile", "root.pem", "sub.pem"]);
    const leaf = verify(["-vfyopt", DISTID, "-partial_chain", "-CAfile", "sub.pem", "ee.pem"]);
    return {
      ok: sub.output.includes("sub.pem: OK") && leaf.output.includes("ee.pem: OK"),
      output: sub.output + leaf.output,
    };
  } finally {
    dir.remove();
  }
}
