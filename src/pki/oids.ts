/**
 * Object identifiers used by the CA core, each with the document that assigns it. Reviewed data:
 * never copy sample OIDs from a README.
 */
export const OID = {
  // RFC 5480 / SEC 1
  ecPublicKey: "1.2.840.10045.2.1",
  secp256r1: "1.2.840.10045.3.1.7",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
  // RFC 8017
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha1WithRsa: "1.2.840.113549.1.1.5",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  sha384WithRsa: "1.2.840.113549.1.1.12",
  sha512WithRsa: "1.2.840.113549.1.1.13",
  // GM/T 0006 (cryptographic algorithm identifiers), as used by GM/T 0015
  sm2Curve: "1.2.156.10197.1.301",
  sm3WithSm2: "1.2.156.10197.1.501",
  sm3: "1.2.156.10197.1.401",
  // NIST / OIW hash identifiers (OCSP CertID)
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  // RFC 5280 extensions
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  crlNumber: "2.5.29.20",
  crlReason: "2.5.29.21",
  crlDistributionPoints: "2.5.29.31",
  deltaCrlIndicator: "2.5.29.27",
  freshestCrl: "2.5.29.46",
  certificatePolicies: "2.5.29.32",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  // RFC 5280 access methods, RFC 6960
  accessOcsp: "1.3.6.1.5.5.7.48.1",
  accessCaIssuers: "1.3.6.1.5.5.7.48.2",
  ocspBasic: "1.3.6.1.5.5.7.48.1.1",
  ocspNonce: "1.3.6.1.5.5.7.48.1.2",
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5",
  // RFC 5280 extended key usages
  kpServerAuth: "1.3.6.1.5.5.7.3.1",
  kpClientAuth: "1.3.6.1.5.5.7.3.2",
  kpCodeSigning: "1.3.6.1.5.5.7.3.3",
  kpEmailProtection: "1.3.6.1.5.5.7.3.4",
  kpTimeStamping: "1.3.6.1.5.5.7.3.8",
  kpOcspSigning: "1.3.6.1.5.5.7.3.9",
  // PKCS #9 (CSR attributes)
  extensionRequest: "1.2.840.113549.1.9.14",
  // GM/T 0015-2012 identity extensions
  gmIdentifyCode: "1.2.156.10260.4.1.1",
  gmInsuranceNumber: "1.2.156.10260.4.1.2",
  gmIcRegistrationNumber: "1.2.156.10260.4.1.3",
  gmOrganizationCode: "1.2.156.10260.4.1.4",
  gmTaxationNumber: "1.2.156.10260.4.1.5",
} as const;

/** X.520 attribute types used in subject and issuer names. */
export const NAME_OID = {
  C: "2.5.4.6",
  ST: "2.5.4.8",
  L: "2.5.4.7",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  CN: "2.5.4.3",
  serialNumber: "2.5.4.5",
  emailAddress: "1.2.840.113549.1.9.1",
} as const;
