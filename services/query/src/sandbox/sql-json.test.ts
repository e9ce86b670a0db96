import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type DuckDBConnection, DuckDBInstance, type Json } from "@duckdb/node-api";
import { toApiJson } from "./json-values.js";
import { rowJsonExpression } from "./sql-json.js";

/**
 * DuckDB writes a row's API JSON (rowJsonExpression) exactly as toApiJson converts the same values in
 * JavaScript: both paths run over the same rows and must agree value for value.
 */
describe("row JSON written by DuckDB", () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  before(async () => {
    instance = await DuckDBInstance.create(":memory:");
    conn = await instance.connect();
    // The answer must not depend on the session's time zone.
    await conn.run("SET TimeZone = 'America/New_York'");
  });
  after(() => {
    conn.closeSync();
    instance.closeSync();
  });

  /** Both renderings of `sql`'s rows, and whether DuckDB could render them at all. */
  async function both(sql: string): Promise<{ sqlPath: Json[] | null; jsPath: Json[] }> {
    const reader = await conn.runAndReadAll(sql);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const jsPath = reader.getRows().map((row) => {
      const o: Record<string, Json> = {};
      row.forEach((v, i) => {
        o[names[i]!] = toApiJson(v, types[i]!, toApiJson);
      });
      return o;
    });
    const expr = rowJsonExpression(names, types);
    if (!expr) return { sqlPath: null, jsPath };
    const texts = await conn.runAndReadAll(`SELECT ${expr} FROM (${sql}) q`);
    return { sqlPath: texts.getRows().map((r) => JSON.parse(String(r[0])) as Json), jsPath };
  }

  const cases: Record<string, string> = {
    scalars: `SELECT * FROM (VALUES
        (true, 1::TINYINT, -2::SMALLINT, 3::INTEGER, 4::UTINYINT, 70000::UINTEGER, 'plain', 'quote " back \\ nl
 tab	 uni 🙂 ctl ' || chr(1) || chr(8232)),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, ''))
      AS t(b, ti, si, i, ut, ui, s, odd)`,
    integers: `SELECT * FROM (VALUES
        (0::BIGINT, 9007199254740991::BIGINT, 18446744073709551615::UBIGINT, 170141183460469231731687303715884105727::HUGEINT),
        (-9007199254740991::BIGINT, 9007199254740992::BIGINT, 5::UBIGINT, -12::HUGEINT),
        (NULL, (-9223372036854775807 - 1)::BIGINT, NULL, NULL))
      AS t(a, b, c, d)`,
    floats: `SELECT * FROM (VALUES
        (0.1::DOUBLE, 0.1::FLOAT, 1e300::DOUBLE, 'nan'::DOUBLE, 'inf'::DOUBLE, '-inf'::FLOAT, 123.40::DECIMAL(10,2), -0.5::DECIMAL(15,3)),
        (1.0, 3.5, -2.2250738585072014e-308, NULL, 0.0, 1.5, NULL, 999999999999.999))
      AS t(d, f, big, nan, inf, ninf, dec, dec15)`,
    timestamps: `SELECT * FROM (VALUES
        (TIMESTAMPTZ '2026-01-02 03:04:05+00', TIMESTAMP '2026-01-02 03:04:05.123', TIMESTAMPTZ '2026-07-01 12:00:00.123456+02'),
        (TIMESTAMPTZ '1969-12-31 23:59:59.999+00', TIMESTAMP '1900-02-03 00:00:00.000001', 'infinity'::TIMESTAMPTZ),
        (TIMESTAMPTZ '0999-05-06 07:08:09.5+00', NULL, '-infinity'::TIMESTAMPTZ))
      AS t(tz, ts, tz2)`,
    nested: `SELECT ['a', NULL, 'b"c'] AS l, []::VARCHAR[] AS e, {'k': 1, 's': 'x', 'b': NULL::BOOLEAN} AS st,
        [[1, 2], [3]] AS ll, ['x', 'y']::VARCHAR[2] AS arr, NULL::VARCHAR[] AS nl, NULL AS n`,
    json: `SELECT '{"a": [1, {"b": null}], "c": "d"}'::JSON AS j, '[1,2]'::JSON AS arr,
        NULL::JSON AS nothing, '12345678'::JSON AS num`,
  };
  for (const [name, sql] of Object.entries(cases)) {
    it(`agrees with the JavaScript conversion: ${name}`, async () => {
      const { sqlPath, jsPath } = await both(sql);
      assert.ok(sqlPath, `DuckDB should render ${name}`);
      assert.deepEqual(sqlPath, jsPath);
    });
  }

  it("leaves types it cannot render exactly to JavaScript", async () => {
    for (const sql of [
      "SELECT DATE '2026-01-01' AS d",
      "SELECT INTERVAL 1 DAY AS i",
      "SELECT MAP {'a': 1} AS m",
      "SELECT [1::BIGINT] AS big_list",
      "SELECT 1.5::DECIMAL(18,2) AS wide",
      "SELECT 'x'::BLOB AS b",
      "SELECT [TIMESTAMPTZ '2026-01-01 00:00:00+00'] AS tl",
    ]) {
      assert.equal((await both(sql)).sqlPath, null, sql);
    }
  });
});
