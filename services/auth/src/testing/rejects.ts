import assert from "node:assert/strict";
import { AppError } from "@tenantlens/contracts";

/** Asserts `p` rejects with an AppError of `code` (and a message matching `message`); returns it. */
export async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}`);
}
