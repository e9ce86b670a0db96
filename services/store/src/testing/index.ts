export { compareIntegrations, type TableDiff } from "./compare.js";
