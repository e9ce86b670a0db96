import type { Route } from "../http/route.js";
import { accessRoutes } from "./admin.js";
import { alertRoutes } from "./alerts.js";
import { consoleAsset, consoleSignIn, consoleSignOut } from "./console.js";
import { alertsPage } from "./console-alerts.js";
import { dashboardPage } from "./console-dashboard.js";
import { integrationPage, integrationsPage } from "./console-integrations.js";
import { inventoryPage, resourcePage, tablePage } from "./console-inventory.js";
import { provisioningPages } from "./console-provisioning.js";
import { newRulePage, rulePage, rulesPage, violationsPage } from "./console-rules.js";
import { sqlPage } from "./console-sql.js";
import { integrationRoutes } from "./integrations.js";
import { oauthCallback } from "./oauth.js";
import { operatorRoutes } from "./operator.js";
import { provisioningRoutes } from "./provisioning.js";
import { queryRoutes } from "./query.js";
import { ruleRoutes } from "./rules.js";
import { health, openApiDocument } from "./system.js";

/** Every route of the gateway, in the order the OpenAPI document lists them. */
export const allRoutes: readonly Route[] = [
  health,
  openApiDocument,
  dashboardPage,
  consoleSignIn,
  consoleSignOut,
  consoleAsset,
  integrationsPage,
  integrationPage,
  inventoryPage,
  tablePage,
  resourcePage,
  sqlPage,
  rulesPage,
  newRulePage,
  rulePage,
  violationsPage,
  alertsPage,
  ...provisioningPages,
  oauthCallback,
  ...integrationRoutes,
  ...queryRoutes,
  ...ruleRoutes,
  ...alertRoutes,
  ...accessRoutes,
  ...operatorRoutes,
  ...provisioningRoutes,
];
