import type { z } from "zod";

/** Zod issues in one line: `path: message; path: message`. */
export function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
