import type { IdentityUrls } from "./identity.js";

/**
 * OpenID Provider metadata like login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration.
 * For common/organizations the issuer keeps Entra's `{tenantid}` placeholder.
 */
export function openIdConfiguration(urls: IdentityUrls, tenant: string, tenantIdForIssuer: string) {
  const base = `${urls.authorityHost}/${tenant}`;
  const graphHost = new URL(urls.graphEndpoint).host;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${urls.authorityHost}/${tenantIdForIssuer}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${urls.graphEndpoint}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    code_challenge_methods_supported: ["S256"],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: new URL(urls.authorityHost).hostname,
    cloud_graph_host_name: graphHost,
    msgraph_host: graphHost,
    rbac_url: urls.graphEndpoint,
  };
}

/** GET /common/discovery/instance: Entra's instance discovery answer for this host. */
export function instanceDiscovery(urls: IdentityUrls, authorizationEndpoint: string | undefined) {
  const host = new URL(urls.authorityHost).host;
  let tenant = "common";
  if (authorizationEndpoint) {
    try {
      tenant = new URL(authorizationEndpoint).pathname.split("/").filter(Boolean)[0] ?? "common";
    } catch {
      // A malformed authorization_endpoint falls back to common, as Entra does.
    }
  }
  return {
    tenant_discovery_endpoint: `${urls.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
