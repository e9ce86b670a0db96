import { createTransport, type Transporter } from "nodemailer";
import type { AttemptOutcome } from "../domain/retry.js";
import type { RenderedEmail } from "./render.js";

/** SMTP_URL → nodemailer's options: smtps:// is TLS from the start, smtp:// upgrades when offered. */
export function smtpOptions(url: string, timeoutMs: number) {
  const u = new URL(url);
  const secure = u.protocol === "smtps:";
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username
      ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

export interface EmailSenderOptions {
  /** smtp:// or smtps:// URL (credentials in it); null: email is not configured. */
  smtpUrl: string | null;
  from: string;
  timeoutMs: number;
}

/** SMTP through nodemailer; one transport, opened on first use. */
export class EmailSender {
  private transport: Transporter | null = null;

  constructor(private readonly o: EmailSenderOptions) {}

  async send(msg: { id: string; to: readonly string[]; email: RenderedEmail }): Promise<AttemptOutcome> {
    if (!this.o.smtpUrl)
      return { kind: "retry", code: null, error: "email is not configured: set SMTP_URL on the notifier" };
    this.transport ??= createTransport(smtpOptions(this.o.smtpUrl, this.o.timeoutMs), { from: this.o.from });
    try {
      const info = await this.transport.sendMail({
        to: [...msg.to],
        subject: msg.email.subject,
        text: msg.email.text,
        html: msg.email.html,
        // The same Message-ID on every attempt, so a retried message can be recognised.
        messageId: `<${msg.id}@tenantlens>`,
        headers: { "X-Tenantlens-Notification": msg.id },
      });
      const code = Number.parseInt(String(info.response ?? "250"), 10);
      return { kind: "delivered", code: Number.isNaN(code) ? 250 : code };
    } catch (err) {
      const e = err as { responseCode?: number; message?: string; code?: string };
      const code = typeof e.responseCode === "number" ? e.responseCode : null;
      const error = `SMTP: ${e.message ?? String(err)}`.slice(0, 1_000);
      // 5xx is a permanent refusal (unknown recipient, rejected message); the rest may pass later.
      if (code !== null && code >= 500) return { kind: "permanent", code, error };
      return { kind: "retry", code, error };
    }
  }

  close(): void {
    this.transport?.close();
  }
}
