/**
 * E-mail through nodemailer's SMTP transport. Each message carries a Message-ID made from its
 * outbox row, so that if the desk dies after the server accepted a message but before it marked
 * the row sent, the copy sent on retry is recognisably the same message.
 */
import nodemailer from "nodemailer";
import type { Mailer, OutgoingEmail } from "./ports.js";

export interface SmtpSettings {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  from: string;
  /** The domain part of Message-IDs. */
  messageIdDomain: string;
}

export function smtpMailer(settings: SmtpSettings): Mailer {
  // One pooled connection reused across messages, instead of a new SMTP session per message.
  const url = new URL(settings.url);
  if (!url.searchParams.has("pool")) url.searchParams.set("pool", "true");
  const transport = nodemailer.createTransport(url.toString());
  return {
    name: "smtp",
    async send(message: OutgoingEmail) {
      const messageId =
        message.outboxId !== null
          ? `<outbox-${message.outboxId}@${settings.messageIdDomain}>`
          : `<${Date.now()}-${Math.random().toString(36).slice(2)}@${settings.messageIdDomain}>`;
      const info = await transport.sendMail({
        from: settings.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId,
        textEncoding: "base64",
      });
      return { providerRef: info.messageId || messageId };
    },
    async close() {
      transport.close();
    },
  };
}
