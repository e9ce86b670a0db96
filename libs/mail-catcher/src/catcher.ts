import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CatcherOptions {
  /** Where each received message is written as `<time>-<id>.eml`. */
  dir: string;
  host?: string;
  /** 0 = any free port. */
  smtpPort?: number;
  /** 0 = any free port (also used when this one is taken); null = no viewer. */
  httpPort?: number | null;
  /** Largest message accepted (default 10 MiB). */
  maxBytes?: number;
}

export interface Catcher {
  smtpUrl: string;
  /** The viewer (list of messages, each readable as HTML, text or .eml); null without one. */
  httpUrl: string | null;
  dir: string;
  close(): Promise<void>;
}

export interface MessageSummary {
  id: string;
  file: string;
  from: string;
  to: string[];
  subject: string;
  date: string | null;
}

/**
 * A local SMTP server that accepts every message (any sender, any recipient, any or no login) and
 * writes it to disk as an .eml file; nothing is relayed. STARTTLS is off: it listens on loopback for
 * the demo and tests, and smtp-server's bundled certificate has expired.
 */
export async function startCatcher(opts: CatcherOptions): Promise<Catcher> {
  const host = opts.host ?? "127.0.0.1";
  // Caught mail may hold anything an alert says: private to this user, like the rest of the data dir.
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    size: opts.maxBytes ?? 10 * 1024 * 1024,
    banner: "Tenantlens mail catcher",
    onAuth(_auth, _session, callback) {
      callback(null, { user: "catcher" });
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(Object.assign(new Error("message too large"), { responseCode: 552 }));
          return;
        }
        const id = `${Date.now().toString().padStart(14, "0")}-${randomBytes(4).toString("hex")}`;
        try {
          writeFileSync(path.join(opts.dir, `${id}.eml`), Buffer.concat(chunks), { mode: 0o600 });
          callback(null, `queued as ${id}`);
        } catch (err) {
          callback(err instanceof Error ? err : new Error(String(err)));
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once("error", reject);
    smtp.listen(opts.smtpPort ?? 0, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let http: Server | null = null;
  if (opts.httpPort !== null) {
    http = createServer((req, res) => {
      void serveViewer(opts.dir, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    const listen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        http?.once("error", reject);
        http?.listen(port, host, () => resolve());
      });
    await listen(opts.httpPort ?? 0).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE" || !opts.httpPort) throw err;
      return listen(0);
    });
  }
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    smtpUrl: `smtp://${urlHost}:${smtpPort}`,
    httpUrl: http ? `http://${urlHost}:${(http.address() as AddressInfo).port}` : null,
    dir: opts.dir,
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (http) await new Promise<void>((resolve) => http?.close(() => resolve()));
    },
  };
}

/** Message files, oldest first. */
export function messageFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".eml"))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

async function summarize(file: string): Promise<MessageSummary> {
  const mail = await simpleParser(readFileSync(file));
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return {
    id: path.basename(file, ".eml"),
    file,
    from: mail.from?.text ?? "",
    to: to.flatMap((a) => a.value.map((v) => v.address ?? "")),
    subject: mail.subject ?? "",
    date: mail.date ? mail.date.toISOString() : null,
  };
}

const ID = /^[0-9]{14}-[0-9a-f]{8}$/;

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** A tiny read-only viewer: `/` lists messages, `/messages` as JSON, `/messages/<id>[.txt|.eml]`. */
async function serveViewer(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://catcher");
  // Mail bodies are shown as they are: no scripts, no remote content, no framing.
  const safe = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "x-content-type-options": "nosniff",
  };
  if (req.method !== "GET") {
    res.writeHead(405, safe).end();
    return;
  }
  if (url.pathname === "/" || url.pathname === "/messages") {
    const list = (await Promise.all(messageFiles(dir).map(summarize))).reverse();
    if (url.pathname === "/messages") {
      res.writeHead(200, { ...safe, "content-type": "application/json" }).end(JSON.stringify(list));
      return;
    }
    const rows = list
      .map(
        (m) =>
          `<tr><td>${escapeHtml(m.date ?? "")}</td><td>${escapeHtml(m.to.join(", "))}</td>` +
          `<td><a href="/messages/${m.id}">${escapeHtml(m.subject || "(no subject)")}</a></td>` +
          `<td><a href="/messages/${m.id}.txt">text</a> <a href="/messages/${m.id}.eml">.eml</a></td></tr>`,
      )
      .join("\n");
    res
      .writeHead(200, { ...safe, "content-type": "text/html; charset=utf-8" })
      .end(
        `<!doctype html><meta charset="utf-8"><title>Caught mail</title>` +
          `<style>body{font:14px system-ui,sans-serif;margin:2em}td{padding:4px 12px 4px 0}</style>` +
          `<h1>Caught mail (${list.length})</h1><p>Written to ${escapeHtml(dir)}; nothing is relayed.</p>` +
          `<table><tr><th>Date</th><th>To</th><th>Subject</th><th></th></tr>${rows}</table>`,
      );
    return;
  }
  const m = /^\/messages\/([0-9a-f-]+)(\.txt|\.eml)?$/.exec(url.pathname);
  if (!m || !ID.test(m[1] ?? "")) {
    res.writeHead(404, safe).end("not found");
    return;
  }
  let raw: Buffer;
  try {
    raw = readFileSync(path.join(dir, `${m[1]}.eml`));
  } catch {
    res.writeHead(404, safe).end("not found");
    return;
  }
  if (m[2] === ".eml") {
    res.writeHead(200, { ...safe, "content-type": "message/rfc822" }).end(raw);
    return;
  }
  const mail = await simpleParser(raw);
  if (m[2] === ".txt" || !mail.html) {
    res.writeHead(200, { ...safe, "content-type": "text/plain; charset=utf-8" }).end(mail.text ?? "");
    return;
  }
  res.writeHead(200, { ...safe, "content-type": "text/html; charset=utf-8" }).end(mail.html);
}
