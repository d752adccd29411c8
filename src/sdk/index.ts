/**
 * certdesk's SDK for relying platforms: call the platform API with signed requests, check
 * webhooks, and check certificate logins locally with OCSP. See docs/platforms.md.
 */
export { CertdeskApiError, CertdeskPlatformClient } from "./client.js";
export type { BindingInfo, LoginAnswer, SignedChallenge } from "./client.js";
export { ChallengeBook, LocalLoginVerifier, LoginRefused } from "./local-login.js";
export type { LocalLoginResult, LocalVerifierOptions, LoginRefusal } from "./local-login.js";
export { verifyWebhook, WEBHOOK_SIGNATURE_HEADER } from "./signing.js";
export type { WebhookCheck } from "./signing.js";
export type { PlatformEventBody, PlatformEventType } from "../platforms/events.js";
