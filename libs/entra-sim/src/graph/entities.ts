import type { JsonObject, Kind } from "../directory/index.js";
import type { FilterCap, FilterSpec } from "./odata/filter.js";

/** What Graph allows per entity type: $select names, $filter properties and default property sets. */
export interface EntitySpec {
  /** Qualified type name used in error messages, e.g. "microsoft.graph.user". */
  type: string;
  filter: FilterSpec;
  /** Directory kind whose generated sample provides the selectable property names. */
  kind?: Kind;
  /** Extra selectable names beyond the sample's keys (navigation properties, aliases). */
  extraSelectable?: readonly string[];
  /** Properties v1.0 returns without $select (undefined: all except selectOnly). */
  defaultSelectV1?: readonly string[];
  /** Properties returned only when explicitly selected. */
  selectOnly?: readonly string[];
}

const EQ: readonly FilterCap[] = ["eq", "ne", "in"];
const STR: readonly FilterCap[] = ["eq", "ne", "in", "startswith", "endswith"];
const RANGE: readonly FilterCap[] = ["eq", "ne", "range"];
const ANY: readonly FilterCap[] = ["any"];

/** Properties /v1.0/users returns when no $select is given (Graph's default set). */
const USER_DEFAULT_V1 = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
] as const;

export const ENTITIES = {
  user: {
    type: "microsoft.graph.user",
    kind: "user",
    defaultSelectV1: USER_DEFAULT_V1,
    selectOnly: ["signInActivity"],
    extraSelectable: [
      "manager",
      "memberOf",
      "aboutMe",
      "birthday",
      "hireDate",
      "interests",
      "mySite",
      "pastProjects",
      "preferredName",
      "responsibilities",
      "schools",
      "skills",
      "mailboxSettings",
      "employeeHireDate",
      "employeeLeaveDateTime",
      "employeeOrgData",
      "faxNumber",
      "imAddresses",
      "isResourceAccount",
      "legalAgeGroupClassification",
      "licenseAssignmentStates",
      "assignedPlans",
      "provisionedPlans",
      "onPremisesExtensionAttributes",
      "onPremisesProvisioningErrors",
      "passwordProfile",
      "consentProvidedForMinor",
      "customSecurityAttributes",
      "deviceEnrollmentLimit",
      "isManagementRestricted",
      "serviceProvisioningErrors",
      "authorizationInfo",
    ],
    filter: {
      resource: "User",
      props: {
        id: EQ,
        accountEnabled: EQ,
        userType: EQ,
        displayName: STR,
        givenName: STR,
        surname: STR,
        userPrincipalName: STR,
        mail: STR,
        mailNickname: STR,
        jobTitle: STR,
        department: STR,
        companyName: STR,
        city: STR,
        country: STR,
        state: STR,
        usageLocation: EQ,
        employeeId: STR,
        employeeType: EQ,
        creationType: EQ,
        externalUserState: EQ,
        onPremisesSyncEnabled: EQ,
        onPremisesImmutableId: EQ,
        onPremisesSamAccountName: STR,
        createdDateTime: RANGE,
        lastPasswordChangeDateTime: RANGE,
        "signInActivity/lastSignInDateTime": RANGE,
        "signInActivity/lastNonInteractiveSignInDateTime": RANGE,
        "signInActivity/lastSuccessfulSignInDateTime": RANGE,
        otherMails: ANY,
        proxyAddresses: ANY,
        identities: ANY,
        assignedLicenses: ANY,
        businessPhones: ANY,
      },
    },
  },
  group: {
    type: "microsoft.graph.group",
    kind: "group",
    extraSelectable: [
      "members",
      "owners",
      "memberOf",
      "allowExternalSenders",
      "autoSubscribeNewMembers",
      "hideFromAddressLists",
      "hideFromOutlookClients",
      "isSubscribedByMail",
      "unseenCount",
      "assignedLabels",
      "assignedLicenses",
      "licenseProcessingState",
      "hasMembersWithLicenseErrors",
      "isArchived",
      "isManagementRestricted",
    ],
    filter: {
      resource: "Group",
      props: {
        id: EQ,
        displayName: STR,
        description: STR,
        mail: STR,
        mailNickname: STR,
        mailEnabled: EQ,
        securityEnabled: EQ,
        isAssignableToRole: EQ,
        onPremisesSyncEnabled: EQ,
        visibility: EQ,
        classification: EQ,
        createdDateTime: RANGE,
        expirationDateTime: RANGE,
        groupTypes: ANY,
        proxyAddresses: ANY,
        resourceProvisioningOptions: ANY,
      },
    },
  },
  application: {
    type: "microsoft.graph.application",
    kind: "application",
    extraSelectable: [
      "owners",
      "logo",
      "certification",
      "authenticationBehaviors",
      "nativeAuthenticationApisEnabled",
      "oauth2RequirePostResponse",
      "requestSignatureVerification",
      "samlMetadataUrl",
      "servicePrincipalLockConfiguration",
    ],
    filter: {
      resource: "Application",
      props: {
        id: EQ,
        appId: EQ,
        displayName: STR,
        publisherDomain: EQ,
        signInAudience: EQ,
        createdDateTime: RANGE,
        identifierUris: ANY,
        tags: ANY,
        passwordCredentials: ANY,
        keyCredentials: ANY,
        requiredResourceAccess: ANY,
      },
    },
  },
  servicePrincipal: {
    type: "microsoft.graph.servicePrincipal",
    kind: "servicePrincipal",
    extraSelectable: ["owners", "appRoleAssignments", "appRoleAssignedTo", "memberOf"],
    filter: {
      resource: "ServicePrincipal",
      props: {
        id: EQ,
        appId: EQ,
        displayName: STR,
        accountEnabled: EQ,
        servicePrincipalType: EQ,
        appOwnerOrganizationId: EQ,
        appRoleAssignmentRequired: EQ,
        preferredSingleSignOnMode: EQ,
        tags: ANY,
        servicePrincipalNames: ANY,
        alternativeNames: ANY,
        replyUrls: ANY,
      },
    },
  },
  directoryRole: {
    type: "microsoft.graph.directoryRole",
    kind: "directoryRole",
    extraSelectable: ["members", "scopedMembers"],
    filter: { resource: "DirectoryRole", props: { id: EQ, roleTemplateId: EQ, displayName: STR } },
  },
  administrativeUnit: {
    type: "microsoft.graph.administrativeUnit",
    kind: "administrativeUnit",
    extraSelectable: ["members"],
    filter: {
      resource: "AdministrativeUnit",
      props: { id: EQ, displayName: STR, visibility: EQ, isMemberManagementRestricted: EQ },
    },
  },
  oauth2PermissionGrant: {
    type: "microsoft.graph.oAuth2PermissionGrant",
    kind: "oauth2PermissionGrant",
    filter: {
      resource: "OAuth2PermissionGrant",
      props: { id: EQ, clientId: EQ, resourceId: EQ, principalId: EQ, consentType: EQ },
    },
  },
  orgContact: {
    type: "microsoft.graph.orgContact",
    kind: "orgContact",
    extraSelectable: ["manager", "memberOf"],
    filter: {
      resource: "OrgContact",
      props: {
        id: EQ,
        displayName: STR,
        mail: STR,
        givenName: STR,
        surname: STR,
        companyName: STR,
        onPremisesSyncEnabled: EQ,
        proxyAddresses: ANY,
      },
    },
  },
  device: {
    type: "microsoft.graph.device",
    kind: "device",
    extraSelectable: ["registeredOwners", "registeredUsers", "memberOf", "extensionAttributes"],
    filter: {
      resource: "Device",
      props: {
        id: EQ,
        deviceId: EQ,
        displayName: STR,
        accountEnabled: EQ,
        operatingSystem: STR,
        operatingSystemVersion: STR,
        trustType: EQ,
        isCompliant: EQ,
        isManaged: EQ,
        profileType: EQ,
        deviceOwnership: EQ,
        mdmAppId: EQ,
        onPremisesSyncEnabled: EQ,
        approximateLastSignInDateTime: RANGE,
        registrationDateTime: RANGE,
        physicalIds: ANY,
        systemLabels: ANY,
      },
    },
  },
  directoryAudit: {
    type: "microsoft.graph.directoryAudit",
    filter: {
      resource: "DirectoryAudit",
      props: {
        id: EQ,
        activityDateTime: RANGE,
        activityDisplayName: STR,
        category: EQ,
        loggedByService: EQ,
        operationType: EQ,
        result: EQ,
        correlationId: EQ,
        "initiatedBy/user/id": EQ,
        "initiatedBy/user/displayName": STR,
        "initiatedBy/user/userPrincipalName": STR,
        "initiatedBy/app/appId": EQ,
        "initiatedBy/app/displayName": STR,
        targetResources: ANY,
      },
    },
  },
  signIn: {
    type: "microsoft.graph.signIn",
    filter: {
      resource: "SignIn",
      props: {
        id: EQ,
        createdDateTime: RANGE,
        userId: EQ,
        userDisplayName: STR,
        userPrincipalName: STR,
        appId: EQ,
        appDisplayName: STR,
        ipAddress: STR,
        clientAppUsed: EQ,
        conditionalAccessStatus: EQ,
        correlationId: EQ,
        isInteractive: EQ,
        riskLevelAggregated: EQ,
        riskLevelDuringSignIn: EQ,
        riskState: EQ,
        "status/errorCode": EQ,
        "location/city": STR,
        "location/countryOrRegion": STR,
        "location/state": STR,
        resourceDisplayName: STR,
        resourceId: EQ,
      },
    },
  },
  userRegistrationDetails: {
    type: "microsoft.graph.userRegistrationDetails",
    filter: {
      resource: "UserRegistrationDetails",
      props: {
        id: EQ,
        isAdmin: EQ,
        isMfaCapable: EQ,
        isMfaRegistered: EQ,
        isPasswordlessCapable: EQ,
        isSsprCapable: EQ,
        isSsprEnabled: EQ,
        isSsprRegistered: EQ,
        userType: EQ,
        userPrincipalName: STR,
        userDisplayName: STR,
        methodsRegistered: ANY,
        userPreferredMethodForSecondaryAuthentication: EQ,
      },
    },
  },
} satisfies Record<string, EntitySpec>;

/** Entity spec for a small collection Graph filters in memory (any top-level property). */
export function looseEntity(type: string, resource: string): EntitySpec {
  return { type: `microsoft.graph.${type}`, filter: { resource, props: {}, permissive: true } };
}

export function entityForKind(kind: Kind): EntitySpec {
  return ENTITIES[kind];
}

/** Picks selected properties (Graph omits unknown-but-allowed ones as null). */
export function project(obj: JsonObject, select: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of select) out[k] = k in obj ? obj[k] : null;
  return out;
}

/** The properties returned when no $select is given. */
export function defaults(obj: JsonObject, spec: EntitySpec, beta: boolean): JsonObject {
  if (!beta && spec.defaultSelectV1) return project(obj, spec.defaultSelectV1);
  if (!spec.selectOnly || spec.selectOnly.length === 0) return obj;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!spec.selectOnly.includes(k)) out[k] = v;
  return out;
}
