/**
 * certdesk's SDK for relying platforms: call the platform API with signed requests, check
 * webhooks, and check certificate logins locally with OCSP. See docs/platforms.md.
 */
export { CertdeskApiError, CertdeskPlatformClient } from "./client.js";
export type { BindingInfo, LoginAnswer, SignedChallenge } from "./client.js";
export { ChallengeBook, LocalLoginVerifier, LoginRefused } from "./local-login.js";
export type { LocalLoginResult, LocalVerifierOptions, LoginRefusal } from "./local-login.js";
export { verifyWebhook, WEBHOOK_SIGNATURE_HEADER } from "../../../src/platforms/request-signing.js";
export type { WebhookCheck } from "../../../src/platforms/request-signing.js";
export type { PlatformEventBody, PlatformEventType } from "../../../src/platforms/event-types.js";
