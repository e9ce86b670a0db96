import { emptyAppApi, emptyInfoUrls, unverifiedPublisher } from "./generate/apps.js";
import type { GenContext } from "./generate/context.js";
import type { JsonObject, Kind } from "./kinds.js";
import { type ObjectStore, StoreError } from "./store.js";

/**
 * Builds objects created through the control API: a blank object with the kind's full property set
 * (so created objects look like generated ones), sensible defaults, then the caller's properties.
 */

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** A sample object per kind gives the property names and value types for validation. */
function sampleOf(store: ObjectStore, kind: Kind): JsonObject {
  return store.build(kind, 0);
}

function blank(sample: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(sample)) out[k] = Array.isArray(v) ? [] : null;
  return out;
}

/** Rejects unknown properties and values whose JSON type differs from the property's type. */
export function validateProps(store: ObjectStore, kind: Kind, props: JsonObject): void {
  const sample = sampleOf(store, kind);
  for (const [k, v] of Object.entries(props)) {
    if (k === "id") throw new StoreError("BadRequest", "Property 'id' is read-only.");
    if (!(k in sample))
      throw new StoreError("BadRequest", `Property '${k}' does not exist on type '${kind}'.`);
    const expected = sample[k];
    if (v === null || expected === null || expected === undefined) continue;
    const want = Array.isArray(expected) ? "array" : typeof expected;
    const got = Array.isArray(v) ? "array" : typeof v;
    if (want !== got)
      throw new StoreError("BadRequest", `Property '${k}' expects a ${want} value, got ${got}.`);
  }
}

function slug(s: string): string {
  return (
    s
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, ".")
      .replace(/^\.+|\.+$/g, "") || "user"
  );
}

export function newObject(store: ObjectStore, ctx: GenContext, kind: Kind, props: JsonObject): JsonObject {
  validateProps(store, kind, props);
  const id = store.nextId(kind);
  const base = blank(sampleOf(store, kind));
  const name = typeof props.displayName === "string" ? props.displayName : undefined;
  const n = store.positions(kind);
  let defaults: JsonObject;
  switch (kind) {
    case "user": {
      const guest = props.userType === "Guest";
      const display = name ?? `New User ${n}`;
      const handle = `${slug(display)}${n}`;
      const mail =
        typeof props.mail === "string"
          ? props.mail
          : guest
            ? `${handle}@example.org`
            : `${handle}@${ctx.primaryDomain}`;
      const upn = guest
        ? `${mail.replace("@", "_")}#EXT#@${ctx.initialDomain}`
        : `${handle}@${ctx.primaryDomain}`;
      defaults = {
        accountEnabled: true,
        createdDateTime: nowIso(),
        creationType: guest ? "Invitation" : null,
        displayName: display,
        externalUserState: guest ? "PendingAcceptance" : null,
        externalUserStateChangeDateTime: guest ? nowIso() : null,
        identities: [{ signInType: "userPrincipalName", issuer: ctx.initialDomain, issuerAssignedId: upn }],
        mail,
        mailNickname: upn.split("@")[0],
        otherMails: guest ? [mail] : [],
        proxyAddresses: guest ? [] : [`SMTP:${mail}`],
        signInActivity: {
          lastSignInDateTime: null,
          lastSignInRequestId: null,
          lastNonInteractiveSignInDateTime: null,
          lastNonInteractiveSignInRequestId: null,
          lastSuccessfulSignInDateTime: null,
          lastSuccessfulSignInRequestId: null,
        },
        signInSessionsValidFromDateTime: nowIso(),
        userPrincipalName: upn,
        userType: guest ? "Guest" : "Member",
      };
      break;
    }
    case "group": {
      const display = name ?? `New Group ${n}`;
      defaults = {
        createdDateTime: nowIso(),
        displayName: display,
        mailEnabled: false,
        mailNickname: slug(display).replaceAll(".", "-"),
        renewedDateTime: nowIso(),
        securityEnabled: true,
        resourceProvisioningOptions: [],
        resourceBehaviorOptions: [],
      };
      break;
    }
    case "application":
      defaults = {
        appId: store.newGuid(1),
        createdDateTime: nowIso(),
        displayName: name ?? `New App ${n}`,
        publisherDomain: ctx.primaryDomain,
        signInAudience: "AzureADMyOrg",
        api: emptyAppApi(),
        info: emptyInfoUrls(),
        publicClient: { redirectUris: [] },
        spa: { redirectUris: [] },
        web: {
          homePageUrl: null,
          implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
          logoutUrl: null,
          redirectUris: [],
          redirectUriSettings: [],
        },
        verifiedPublisher: unverifiedPublisher(),
      };
      break;
    case "servicePrincipal":
      defaults = {
        accountEnabled: true,
        appId: typeof props.appId === "string" ? props.appId : store.newGuid(2),
        appDisplayName: name ?? `New App ${n}`,
        appOwnerOrganizationId: ctx.tenantId,
        appRoleAssignmentRequired: false,
        displayName: name ?? `New App ${n}`,
        servicePrincipalType: "Application",
        signInAudience: "AzureADMyOrg",
        tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
        verifiedPublisher: unverifiedPublisher(),
      };
      defaults.servicePrincipalNames = [defaults.appId];
      break;
    case "oauth2PermissionGrant":
      if (typeof props.clientId !== "string")
        throw new StoreError("BadRequest", "Property 'clientId' is required for oauth2PermissionGrant.");
      defaults = {
        consentType: typeof props.principalId === "string" ? "Principal" : "AllPrincipals",
        resourceId: store.idAt("servicePrincipal", 0),
        scope: "User.Read",
      };
      break;
    case "directoryRole":
      if (typeof props.roleTemplateId !== "string")
        throw new StoreError("BadRequest", "Property 'roleTemplateId' is required for directoryRole.");
      defaults = { displayName: name ?? "Activated role", description: null };
      break;
    case "device":
      defaults = {
        accountEnabled: true,
        deviceId: store.newGuid(3),
        displayName: name ?? `DEVICE-${n}`,
        operatingSystem: "Windows",
        operatingSystemVersion: "10.0.22631.3447",
        profileType: "RegisteredDevice",
        registrationDateTime: nowIso(),
        trustType: "AzureAd",
        isManaged: false,
        isCompliant: null,
      };
      break;
    case "orgContact":
      defaults = { displayName: name ?? `New Contact ${n}` };
      break;
    case "administrativeUnit":
      defaults = { displayName: name ?? `New Administrative Unit ${n}` };
      break;
  }
  return { ...base, ...defaults, ...props, id, deletedDateTime: null };
}
