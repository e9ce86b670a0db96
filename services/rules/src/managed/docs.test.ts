import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { renderRulesDoc } from "./docs.js";
import { impossibleChecks, managedRules } from "./index.js";
import { RULES_DOC } from "./write-docs.js";

/** Exact framework ids (as the frameworks write them) that the pack covers or explains. */
const EIDSCA = [
  ...["AP01", "AP04", "AP05", "AP06", "AP07", "AP08", "AP09", "AP10", "AP14"],
  ...["CP01", "CP03", "CP04", "PR01", "PR02", "PR03", "PR05", "PR06", "ST08", "ST09"],
  ...["CR01", "CR02", "CR03", "CR04", "AG01", "AG02", "AG03"],
  ...["AM01", "AM02", "AM03", "AM04", "AM06", "AM07", "AM09", "AM10"],
  ...["AF01", "AF02", "AF03", "AF04", "AF05", "AF06", "AT01", "AT02", "AV01", "AS04"],
].map((id) => `EIDSCA.${id}`);
const CISA = [
  "1.1v1",
  "2.1v1",
  "2.2v1",
  "2.3v1",
  "3.1v1",
  "3.2v2",
  "3.3v2",
  "3.4v1",
  "3.5v2",
  "3.6v1",
  "3.7v1",
  "3.8v1",
  "3.9v1",
  "4.1v1",
  "5.1v1",
  "5.2v1",
  "5.3v1",
  "5.5v1",
  "5.6v1",
  "5.7v1",
  "6.1v1",
  "7.1v1",
  "7.2v1",
  "7.3v1",
  "7.4v1",
  "7.5v1",
  "7.6v1",
  "7.7v1",
  "7.8v1",
  "7.9v1",
  "8.1v1",
  "8.2v1",
  "8.3v1",
  "9.1v1",
].map((id) => `MS.AAD.${id}`);

describe("managed pack", () => {
  it("has at least 60 rules and covers every EIDSCA and CISA MS.AAD check, or says why not", () => {
    assert.ok(managedRules.length >= 60, `${managedRules.length} rules`);
    const referenced = new Set(managedRules.flatMap((r) => r.definition.references.map((x) => x.id)));
    const impossible = new Set(impossibleChecks.map((c) => c.id));
    for (const id of [...EIDSCA, ...CISA]) {
      assert.ok(referenced.has(id) !== impossible.has(id), `${id}: exactly one of a rule or a reason`);
    }
    for (const q of [
      "aad-verified-domains",
      "aad-guest-users",
      "aad-tenant-wide-oauth2-grants",
      "aad-groups-not-role-assignable",
      "aad-disabled-accounts",
    ]) {
      assert.ok(
        managedRules.some((r) => r.id === q),
        q,
      );
    }
  });

  it("docs/rules.md is generated from the declarations (run npm run docs:rules)", () => {
    assert.equal(
      readFileSync(RULES_DOC, "utf8"),
      renderRulesDoc(),
      "docs/rules.md is stale: run npm run docs:rules",
    );
  });
});
