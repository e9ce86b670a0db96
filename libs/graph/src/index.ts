export * from "./catalog.js";
export * from "./naming.js";
export * from "./permission-report.js";
export * from "./system-columns.js";
export * from "./system-tables.js";
export type * from "./types.js";
