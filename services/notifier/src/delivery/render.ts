import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { WebhookBody } from "@tenantlens/contracts";
import Handlebars from "handlebars";
import { emailView } from "../domain/email-view.js";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "templates");

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** Email bodies from the handlebars templates in src/templates (HTML escaped, text not). */
export class EmailRenderer {
  private readonly html = Handlebars.compile(readFileSync(path.join(dir, "email.html.hbs"), "utf8"), {
    strict: true,
  });
  private readonly text = Handlebars.compile(readFileSync(path.join(dir, "email.txt.hbs"), "utf8"), {
    noEscape: true,
    strict: true,
  });

  render(body: WebhookBody): RenderedEmail {
    const view = emailView(body);
    return {
      subject: view.subject.replace(/[\r\n]+/g, " ").slice(0, 250),
      html: this.html(view),
      text: this.text(view).replace(/\n{3,}/g, "\n\n"),
    };
  }
}
