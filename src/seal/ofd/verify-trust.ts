/**
 * An OFD's seal signatures with their certificate chains: verifyOfd's checks, then, per signature,
 * whether the seal maker's and the signer's certificates chain to the trusted CAs and whether any
 * certificate on the way is revoked (src/seal/trust.ts), judged at the same moment as "now".
 */
import type { CrlView } from "../../pki/crl.js";
import { allPass } from "../checks.js";
import { parseSealSignature } from "../signature.js";
import { chainChecks, type SealTrust } from "../trust.js";
import { openOfd } from "./package.js";
import { listSignatures, readSignatureXml } from "./signature-xml.js";
import { verifyOfd, type OfdCheck, type OfdVerdict, type VerifyOfdOptions } from "./verify.js";

/** Each readable signature's chain checks, by the package path of its Signature.xml ("/…"). */
async function chainChecksByFile(
  ofd: Uint8Array,
  trust: SealTrust,
  at: Date,
): Promise<Map<string, OfdCheck[]>> {
  const out = new Map<string, OfdCheck[]>();
  const fetched = new Map<string, Promise<CrlView>>();
  let pkg;
  try {
    pkg = openOfd(ofd);
  } catch {
    return out; // verifyOfd reports an unreadable package
  }
  for (const doc of pkg.documents) {
    if (!doc.signatures) continue;
    for (const entry of listSignatures(pkg, doc.signatures)) {
      try {
        const xml = readSignatureXml(pkg, entry.file);
        const signedValue = xml.signedValue ? pkg.files.get(xml.signedValue) : undefined;
        if (!signedValue) continue;
        const view = parseSealSignature(signedValue);
        out.set(`/${entry.file}`, [
          ...(await chainChecks("signer", view.signer, trust, at, fetched)),
          ...(await chainChecks("maker", view.seal.maker, trust, at, fetched)),
        ]);
      } catch {
        // An unreadable signature has no chain to follow; verifyOfd says what is wrong with it.
      }
    }
  }
  return out;
}

/** The chain checks go after the validity checks they complete (before the timestamp and stamps). */
function placeChainChecks(checks: OfdCheck[], chain: OfdCheck[]): OfdCheck[] {
  const last = checks.map((c) => c.name).lastIndexOf("makerCertificateNow");
  const at = last >= 0 ? last + 1 : checks.length;
  return [...checks.slice(0, at), ...chain, ...checks.slice(at)];
}

export async function verifyOfdTrusted(
  ofd: Uint8Array,
  options: VerifyOfdOptions & { trust: SealTrust },
): Promise<OfdVerdict> {
  const at = options.at ?? new Date();
  const { trust, ...rest } = options;
  // The same anchors judge the timestamp's TSA: the desk's TSA sits under its own CAs.
  const timestampTrust = rest.timestampTrust ?? trust.anchors.map((a) => a.der);
  const verdict = verifyOfd(ofd, { ...rest, at, timestampTrust });
  const chains = await chainChecksByFile(ofd, trust, at);
  const signatures = verdict.signatures.map((s) => {
    const chain = chains.get(s.file);
    if (!chain) return s;
    const checks = placeChainChecks(s.checks, chain);
    return { ...s, checks, valid: s.valid && allPass(checks) };
  });
  return {
    ...verdict,
    signatures,
    valid: signatures.length > 0 && signatures.every((s) => s.valid),
  };
}
