import { writeFileSync } from "node:fs";
import { readConsoleAssets, renderAssetBundle } from "./assets.js";

/** `npm run bundle:console`: writes src/console/assets.generated.ts from src/console/assets/. */
const target = new URL("./assets.generated.ts", import.meta.url);
const assets = readConsoleAssets();
writeFileSync(target, renderAssetBundle(assets));
process.stdout.write(`wrote ${target.pathname} (${assets.size} assets)\n`);
