#!/usr/bin/env node
// The CLI lives in services/query/src/cli (TypeScript, run through tsx like the rest of the repo).
import { register } from "tsx/esm/api";

register();
const { main } = await import("@tenantlens/query/cli");
process.exitCode = await main(process.argv.slice(2), process.env);
