// A platform's two touch points with certdesk, using only the installed SDK:
//   CERTDESK_URL=http://127.0.0.1:8080 PLATFORM_ORIGIN=https://bid.example \
//   CERTDESK_KEY_ID=… CERTDESK_SECRET=… node example/webhook-and-login.mjs
// It asks the desk for a login challenge (a signed request), then checks a webhook signature the
// way a platform's receiver must before trusting the body.
import { CertdeskApiError, CertdeskPlatformClient, verifyWebhook } from "@certdesk/sdk";

const { CERTDESK_URL, PLATFORM_ORIGIN, CERTDESK_KEY_ID, CERTDESK_SECRET } = process.env;
if (!CERTDESK_URL || !PLATFORM_ORIGIN || !CERTDESK_KEY_ID || !CERTDESK_SECRET) {
  console.error("set CERTDESK_URL, PLATFORM_ORIGIN, CERTDESK_KEY_ID and CERTDESK_SECRET");
  process.exit(2);
}
const certdesk = new CertdeskPlatformClient({
  baseUrl: CERTDESK_URL,
  origin: PLATFORM_ORIGIN,
  keyId: CERTDESK_KEY_ID,
  secret: CERTDESK_SECRET,
});
try {
  const { challenge, expiresAt } = await certdesk.challenge("login");
  console.log(`login challenge ${challenge}, valid until ${expiresAt}`);
  console.log("have the user's key sign it through the security client's agent, then:");
  console.log("  await certdesk.login({ challenge, certificate, signature })  // → { account, certificate }");
} catch (e) {
  if (e instanceof CertdeskApiError) console.error(`certdesk refused: ${e.status} ${e.code}: ${e.message}`);
  else throw e;
  process.exitCode = 1;
}

// In the webhook receiver: the raw body and the Certdesk-Signature header, checked first.
const body = JSON.stringify({ id: "example", type: "binding.bound" });
const check = verifyWebhook({
  body,
  header: `keyId=${CERTDESK_KEY_ID}, t=${Math.floor(Date.now() / 1000)}, v1=00`,
  secrets: { [CERTDESK_KEY_ID]: CERTDESK_SECRET },
});
console.log(`a forged webhook is refused: ${JSON.stringify(check)}`);
