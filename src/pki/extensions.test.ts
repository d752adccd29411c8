import { describe, expect, it } from "vitest";
import { buildExtensions, parseExtensions } from "./extensions.js";

describe("certificatePolicies (RFC 5280 4.2.1.4)", () => {
  it("reads back a 2.25 policy OID with a 128-bit arc, as from a UUID (ITU-T X.667)", () => {
    const uuidArc = "272390412371942396624593123456789012345";
    const extensions = buildExtensions(
      { certificatePolicies: [{ policyId: `2.25.${uuidArc}` }, { policyId: "1.2.156.112570.1.1" }] },
      { subjectKeyId: new Uint8Array(20) },
    );
    expect(parseExtensions(extensions).certificatePolicies).toEqual([
      `2.25.${uuidArc}`,
      "1.2.156.112570.1.1",
    ]);
  });
});
