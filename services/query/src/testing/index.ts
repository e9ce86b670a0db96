export {
  type FixtureRow,
  type FixtureTable,
  warehouseSchema,
  writeGeneration,
} from "./generation-fixture.js";
export { SAMPLE_INTEGRATION, SAMPLE_TENANT_ID, sampleTables } from "./sample-tenant.js";
export { SandboxHarness, specOf } from "./sandbox-harness.js";
