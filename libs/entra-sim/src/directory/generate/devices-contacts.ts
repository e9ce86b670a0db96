import type * as MG from "@microsoft/microsoft-graph-types";
import { hash4, pick, stableGuid, unit } from "../hash.js";
import { KIND_CODE } from "../kinds.js";
import { INTUNE_APP_ID } from "./catalog.js";
import { DAY, type GenContext, iso } from "./context.js";
import { DEPARTMENTS, EXTERNAL_DOMAINS, FIRST_NAMES, JOB_TITLES, LAST_NAMES, OFFICES } from "./names.js";

const KD = KIND_CODE.device;
const KC = KIND_CODE.orgContact;

const OS: readonly { os: string; versions: string[]; prefix: string; maker: string; model: string }[] = [
  {
    os: "Windows",
    versions: ["10.0.19045.4291", "10.0.22631.3447", "10.0.22621.3296"],
    prefix: "DESKTOP-",
    maker: "Microsoft Corporation",
    model: "Surface Laptop 5",
  },
  {
    os: "Windows",
    versions: ["10.0.22631.3447", "10.0.19044.1288"],
    prefix: "LAPTOP-",
    maker: "Dell Inc.",
    model: "Latitude 7440",
  },
  { os: "iOS", versions: ["17.4.1", "16.7.7"], prefix: "iPhone-", maker: "Apple", model: "iPhone 15" },
  { os: "Android", versions: ["14", "13"], prefix: "Android-", maker: "samsung", model: "SM-S911B" },
  {
    os: "MacMDM",
    versions: ["14.4.1", "13.6.6"],
    prefix: "MacBook-",
    maker: "Apple",
    model: "MacBookPro18,3",
  },
];

export function deviceAt(ctx: GenContext, d: number): MG.Device {
  const s = ctx.seed;
  const os = OS[hash4(s, KD, d, 1) % OS.length]!;
  const windows = os.os === "Windows";
  const trustR = unit(s, KD, d, 2);
  const trustType = windows
    ? trustR < 0.6
      ? "AzureAd"
      : trustR < 0.85
        ? "ServerAd"
        : "Workplace"
    : "Workplace";
  const managed = unit(s, KD, d, 3) < 0.75;
  const compliant = managed && unit(s, KD, d, 4) < 0.85;
  const registered = ctx.ref - (1 + (hash4(s, KD, d, 5) % (3 * 365))) * DAY;
  const staleR = unit(s, KD, d, 6);
  const lastSeen =
    ctx.ref - (staleR < 0.15 ? 90 + (hash4(s, KD, d, 7) % 300) : hash4(s, KD, d, 7) % 30) * DAY;
  const name = `${os.prefix}${stableGuid(s, KD, d, 8).slice(0, 7).toUpperCase()}`;
  const deviceId = stableGuid(s, KD, d, 20);
  return {
    id: ctx.ids.encode("device", d),
    deletedDateTime: null,
    accountEnabled: unit(s, KD, d, 9) >= 0.05,
    alternativeSecurityIds: [
      {
        identityProvider: null,
        key: Buffer.from(`X509:<SHA1-TP-PUBKEY>${deviceId}`).toString("base64"),
        type: 2,
      },
    ],
    approximateLastSignInDateTime: iso(lastSeen),
    complianceExpirationDateTime: null,
    deviceCategory: null,
    deviceId,
    deviceMetadata: null,
    deviceOwnership: unit(s, KD, d, 10) < 0.8 ? "Company" : "Personal",
    deviceVersion: 2,
    displayName: name,
    enrollmentProfileName: null,
    enrollmentType: managed ? (windows ? "AzureDomainJoined" : "UserEnrollment") : null,
    isCompliant: managed ? compliant : null,
    isManaged: managed,
    isRooted: os.os === "Android" ? unit(s, KD, d, 11) < 0.03 : false,
    managementType: managed ? "MDM" : null,
    manufacturer: os.maker,
    mdmAppId: managed ? INTUNE_APP_ID : null,
    model: os.model,
    onPremisesLastSyncDateTime: trustType === "ServerAd" ? iso(ctx.ref - 3600_000) : null,
    onPremisesSecurityIdentifier:
      trustType === "ServerAd"
        ? `S-1-5-21-${hash4(s, 77)}-${hash4(s, 78)}-${hash4(s, 79)}-${20000 + d}`
        : null,
    onPremisesSyncEnabled: trustType === "ServerAd" ? true : null,
    operatingSystem: os.os,
    operatingSystemVersion: pick(os.versions, hash4(s, KD, d, 12)),
    physicalIds: [],
    profileType: "RegisteredDevice",
    registrationDateTime: iso(registered),
    systemLabels: [],
    trustType,
  };
}

export function contactAt(ctx: GenContext, c: number): MG.OrgContact {
  const s = ctx.seed;
  const first = pick(FIRST_NAMES, hash4(s, KC, c, 1));
  const last = pick(LAST_NAMES, hash4(s, KC, c, 2));
  const domain = pick(EXTERNAL_DOMAINS, hash4(s, KC, c, 3));
  const office = pick(OFFICES, hash4(s, KC, c, 4));
  const nick = `${first}.${last}.${c}`
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const mail = `${nick}@${domain}`;
  const synced = unit(s, KC, c, 5) < 0.3;
  return {
    id: ctx.ids.encode("orgContact", c),
    deletedDateTime: null,
    addresses: [
      {
        city: office.city,
        countryOrRegion: office.country,
        officeLocation: null,
        postalCode: null,
        state: office.state,
        street: null,
      },
    ],
    companyName: domain.split(".")[0] ?? domain,
    department: pick(DEPARTMENTS, hash4(s, KC, c, 6)),
    displayName: `${first} ${last}`,
    givenName: first,
    jobTitle: pick(JOB_TITLES, hash4(s, KC, c, 7)),
    mail,
    mailNickname: nick,
    onPremisesLastSyncDateTime: synced ? iso(ctx.ref - 7200_000) : null,
    onPremisesProvisioningErrors: [],
    onPremisesSyncEnabled: synced ? true : null,
    phones: [
      { number: `+44 20 7946 ${String(c % 10000).padStart(4, "0")}`, type: "business" },
      { number: null, type: "mobile" },
    ],
    proxyAddresses: [`SMTP:${mail}`],
    serviceProvisioningErrors: [],
    surname: last,
  };
}

export function administrativeUnitAt(ctx: GenContext, au: number): MG.AdministrativeUnit {
  const office = OFFICES[au % OFFICES.length]!;
  const restricted = au === 1;
  return {
    id: ctx.ids.encode("administrativeUnit", au),
    deletedDateTime: null,
    description: `Users and devices of the ${office.city} office`,
    displayName: restricted ? `Executives (restricted) ${au}` : `${office.city} office ${au}`,
    isMemberManagementRestricted: restricted,
    membershipRule: null,
    membershipRuleProcessingState: null,
    membershipType: null,
    visibility: restricted ? "HiddenMembership" : null,
  };
}
