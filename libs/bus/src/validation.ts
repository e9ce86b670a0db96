export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
