/** Electronic seals (GB/T 38540-2020, GM/T 0031-2014): the public surface of src/seal. */
export { buildSeal, SEAL_PICTURE_TYPES } from "./build.js";
export type { BuildSealInput, SealPictureType } from "./build.js";
export type { Check, CheckStatus } from "./checks.js";
export { describeSealVerdict, sealSignatureVerdictToJson, sealVerdictToJson } from "./describe.js";
export { SEAL_TYPE_CODE, parseSeal, sealBindsCertificate, verifySeal } from "./seal.js";
export type {
  BoundCertificate,
  SealCheck,
  SealCheckName,
  SealPictureView,
  SealTypeName,
  SealVerdict,
  SealView,
  VerifySealOptions,
} from "./seal.js";
export { buildSealSignature, parseSealSignature, verifySealSignature } from "./signature.js";
export type {
  BuildSealSignatureInput,
  SealSignatureCheck,
  SealSignatureCheckName,
  SealSignatureVerdict,
  SealSignatureView,
  VerifySealSignatureOptions,
} from "./signature.js";
export { sealFileKind, verifySealFile, verifySealFileTrusted } from "./verify-file.js";
export { chainChecks } from "./trust.js";
export type { ChainCheckName, ChainRole, SealTrust } from "./trust.js";
export type { SealFileVerdict } from "./verify-file.js";
export { buildDetachedCms, parseCms } from "../pki/cms.js";
export type { BuildCmsInput, CmsView } from "../pki/cms.js";
export { signPdf } from "./pdf-sign.js";
export type { SignPdfInput, StampPosition } from "./pdf-sign.js";
export { verifyPdf } from "./pdf-verify.js";
export type {
  PdfCheck,
  PdfCheckName,
  PdfSignatureVerdict,
  PdfSignerView,
  PdfVerdict,
  VerifyPdfOptions,
} from "./pdf-verify.js";
export { describePdfVerdict, pdfSignatureToJson, pdfVerdictToJson } from "./pdf-describe.js";
export { SEAL_RED, processSealImage } from "./image.js";
export type { SealImageAnalysis, SealImageOptions, SealPicture } from "./image.js";
