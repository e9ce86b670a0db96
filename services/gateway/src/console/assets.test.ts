import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { CONSOLE_ASSET_BUNDLE } from "./assets.generated.js";
import { assetsFromBundle, readConsoleAssets, renderAssetBundle } from "./assets.js";

describe("the console's asset bundle (what the edge gateway serves)", () => {
  test("is up to date with src/console/assets/ (else: npm run bundle:console)", () => {
    const fresh = renderAssetBundle(readConsoleAssets());
    const committed = readFileSync(new URL("./assets.generated.ts", import.meta.url), "utf8");
    assert.ok(
      committed === fresh,
      "src/console/assets.generated.ts is behind src/console/assets/: run `npm run bundle:console`",
    );
  });

  test("decodes to the very bytes of every asset file", () => {
    const files = readConsoleAssets();
    const bundled = assetsFromBundle(CONSOLE_ASSET_BUNDLE);
    assert.deepEqual([...bundled.keys()], [...files.keys()]);
    for (const [name, bytes] of files) assert.deepEqual(bundled.get(name), bytes, name);
    assert.ok(files.has("console.js") && files.has("console.css"));
  });
});
