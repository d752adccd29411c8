/**
 * Making a GB/T 38540-2020 (version 4) seal: the maker signs the DER of SES_SealInfo, and those
 * exact bytes go into the SESeal, so no re-encoding can break the signature. The result is read
 * back and verified before it is returned: a signer with another key or another SM2 signer ID
 * would otherwise hand out seals that no reader accepts.
 */
import { DomainError } from "../domain/errors.js";
import type { SealType } from "../domain/programme.js";
import { parseCertificate } from "../pki/certificate.js";
import type { CertificateView } from "../pki/certificate.js";
import type { Signer } from "../pki/signer.js";
import { OID } from "../pki/oids.js";
import { SEAL_MAKER_ALGORITHMS, checkSignature, digest, signatureAlgorithmName } from "./algorithms.js";
import { SEAL_HEADER_ID, decodeSESeal, encodeSESealV4, encodeSealInfoV4 } from "./asn1.js";
import type { CertListFields } from "./asn1.js";
import { SEAL_TYPE_CODE } from "./seal.js";

export const SEAL_PICTURE_TYPES = ["PNG", "JPG", "GIF", "SVG", "OFD"] as const;
export type SealPictureType = (typeof SEAL_PICTURE_TYPES)[number];

export interface BuildSealInput {
  /** esID: unique per seal, IA5 (ASCII) */
  id: string;
  /** official (公章) and contract (合同专用章) seals are both organisation seals, property.type 1 */
  type: SealType;
  /** the seal name as engraved, e.g. the organisation name */
  name: string;
  /** DER certificates of the signers the seal binds (the organisation's certificate) */
  boundCertificates: Uint8Array[];
  /** bind by the certificates themselves (default) or by their digests (certListType 2) */
  certificateList?: "certificates" | "digests";
  validStart: Date;
  validEnd: Date;
  /** createDate; default the current time */
  createdAt?: Date;
  picture: { type: SealPictureType; data: Uint8Array; widthMm: number; heightMm: number };
  maker: { certificate: Uint8Array; signer: Signer };
  /** SES_Header.Vid: the seal system's vendor ID, IA5 */
  vendor: string;
}

const invalid = (what: string): DomainError =>
  new DomainError("seal.build_invalid", { what }, `cannot build seal: ${what}`);

const toSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

const MAGIC: Partial<Record<SealPictureType, readonly number[]>> = {
  PNG: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  JPG: [0xff, 0xd8, 0xff],
  GIF: [0x47, 0x49, 0x46, 0x38],
};

function checkPicture(picture: BuildSealInput["picture"]): void {
  if (!SEAL_PICTURE_TYPES.includes(picture.type)) throw invalid(`picture type ${String(picture.type)}`);
  const magic = MAGIC[picture.type];
  if (picture.data.length === 0 || (magic && !magic.every((b, i) => picture.data[i] === b))) {
    throw new DomainError("seal.picture_invalid", { type: picture.type });
  }
  for (const [side, mm] of [
    ["width", picture.widthMm],
    ["height", picture.heightMm],
  ] as const) {
    // A seal imprint is a few centimetres; anything past a metre is a unit mistake (pixels for mm).
    if (!Number.isInteger(mm) || mm < 1 || mm > 1000) throw invalid(`picture ${side} ${mm} mm`);
  }
}

function readCertificate(der: Uint8Array, what: string): CertificateView {
  try {
    return parseCertificate(der);
  } catch {
    throw invalid(`${what} is not an X.509 certificate`);
  }
}

export async function buildSeal(input: BuildSealInput): Promise<Uint8Array> {
  if (input.id.length === 0) throw invalid("empty seal id");
  if (input.name.trim().length === 0) throw invalid("empty seal name");
  if (input.boundCertificates.length === 0) throw invalid("no certificate to bind");
  // DER from here on, whatever form (DER or PEM bytes) the certificates came in.
  const bound = input.boundCertificates.map((c, i) => readCertificate(c, `bound certificate ${i + 1}`).der);
  const validStart = toSecond(input.validStart);
  const validEnd = toSecond(input.validEnd);
  if (!(validEnd > validStart)) throw invalid("validEnd is not after validStart");
  checkPicture(input.picture);

  const { signer } = input.maker;
  const maker = readCertificate(input.maker.certificate, "maker certificate");
  if (Buffer.compare(maker.spki, signer.publicKeySpki) !== 0) {
    throw new DomainError("seal.maker_key_mismatch");
  }
  // The maker vouches for the seal; it is never one of the signers the seal is for.
  if (bound.some((c) => Buffer.compare(c, maker.der) === 0)) {
    throw invalid("the maker certificate cannot be bound to its own seal");
  }
  const algorithm = signer.algorithm.algorithm;
  if (!SEAL_MAKER_ALGORITHMS.includes(algorithm)) {
    throw new DomainError("seal.maker_algorithm_unsupported", {
      algorithm: signatureAlgorithmName(algorithm),
    });
  }

  const certList: CertListFields =
    input.certificateList === "digests"
      ? {
          kind: "digests",
          // The digest follows the maker's algorithm: SM3 in an SM2 system, SHA-256 otherwise.
          digests: bound.map((c) =>
            algorithm === OID.sm3WithSm2
              ? { type: "SM3", value: digest("sm3", c) }
              : { type: "SHA256", value: digest("sha256", c) },
          ),
        }
      : { kind: "certificates", certificates: bound };

  const sealInfo = encodeSealInfoV4({
    header: { id: SEAL_HEADER_ID, version: 4, vendor: input.vendor },
    esId: input.id,
    property: {
      type: SEAL_TYPE_CODE.organisation,
      name: input.name,
      certList,
      createDate: toSecond(input.createdAt ?? new Date()),
      validStart,
      validEnd,
    },
    picture: {
      type: input.picture.type,
      data: input.picture.data,
      width: input.picture.widthMm,
      height: input.picture.heightMm,
    },
    extensions: [],
  });
  const signature = await signer.sign(sealInfo);
  const der = encodeSESealV4(sealInfo, maker.der, algorithm, signature);

  const check = decodeSESeal(der);
  if (checkSignature(maker.spki, check.signatureAlgorithm, check.signedData, check.signature) !== "valid") {
    throw new DomainError(
      "seal.maker_signer_failed",
      {},
      "the maker's signature on the new seal does not verify",
    );
  }
  return der;
}
