import { GraphError, unsupportedQuery } from "../errors.js";

/**
 * The subset of OData $filter the collector and common Graph clients use: comparisons, and/or/not,
 * parentheses, startswith/endswith, `in`, and lambda any() over collections.
 */

export type Literal = string | number | boolean | null;
export type CmpOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

export type FilterNode =
  | { type: "cmp"; op: CmpOp; path: string; value: Literal; dateLiteral: boolean }
  | { type: "and" | "or"; a: FilterNode; b: FilterNode }
  | { type: "not"; a: FilterNode }
  | { type: "func"; name: "startswith" | "endswith" | "contains"; path: string; value: string }
  | { type: "in"; path: string; values: Literal[] }
  | { type: "any"; path: string; variable: string; body: FilterNode };

type Tok =
  | { t: "id"; v: string }
  | { t: "str"; v: string }
  | { t: "num"; v: number }
  | { t: "date"; v: string }
  | { t: "guid"; v: string }
  | { t: "("; v: "(" }
  | { t: ")"; v: ")" }
  | { t: ","; v: "," }
  | { t: ":"; v: ":" };

const invalid = (detail: string) => new GraphError(400, "BadRequest", `Invalid filter clause: ${detail}`);

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?/;
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "," || c === ":") {
      out.push({ t: c, v: c } as Tok);
      i++;
      continue;
    }
    if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw invalid("unterminated string literal");
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i];
        i++;
      }
      out.push({ t: "str", v: s });
      continue;
    }
    const rest = src.slice(i);
    const guid = GUID_RE.exec(rest);
    if (guid) {
      out.push({ t: "guid", v: guid[0] });
      i += guid[0].length;
      continue;
    }
    const date = DATE_RE.exec(rest);
    if (date && date[0].length >= 10 && (date[1] !== undefined || !/^\d{4}-\d{2}-\d{2}\d/.test(rest))) {
      out.push({ t: "date", v: date[0] });
      i += date[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) {
      out.push({ t: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$@][A-Za-z0-9_$@.]*(\/[A-Za-z_$@][A-Za-z0-9_$@.]*)*/.exec(rest);
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    throw invalid(`unexpected character '${c}' at position ${i}`);
  }
  return out;
}

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[]) {}

  parse(): FilterNode {
    const n = this.or();
    if (this.p < this.toks.length) throw invalid(`unexpected '${String(this.toks[this.p]!.v)}'`);
    return n;
  }

  private peek(): Tok | undefined {
    return this.toks[this.p];
  }

  private next(): Tok {
    const t = this.toks[this.p++];
    if (!t) throw invalid("unexpected end of expression");
    return t;
  }

  private expect(t: Tok["t"]): Tok {
    const x = this.next();
    if (x.t !== t) throw invalid(`expected '${t}' but found '${String(x.v)}'`);
    return x;
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t?.t === "id" && t.v.toLowerCase() === word) {
      this.p++;
      return true;
    }
    return false;
  }

  private or(): FilterNode {
    let a = this.and();
    while (this.keyword("or")) a = { type: "or", a, b: this.and() };
    return a;
  }

  private and(): FilterNode {
    let a = this.unary();
    while (this.keyword("and")) a = { type: "and", a, b: this.unary() };
    return a;
  }

  private unary(): FilterNode {
    if (this.keyword("not")) return { type: "not", a: this.unary() };
    return this.primary();
  }

  private literal(): { value: Literal; dateLiteral: boolean } {
    const t = this.next();
    switch (t.t) {
      case "str":
        return { value: t.v, dateLiteral: false };
      case "num":
        return { value: t.v, dateLiteral: false };
      case "date":
        return { value: t.v, dateLiteral: true };
      case "guid":
        return { value: t.v, dateLiteral: false };
      case "id": {
        const w = t.v.toLowerCase();
        if (w === "true" || w === "false") return { value: w === "true", dateLiteral: false };
        if (w === "null") return { value: null, dateLiteral: false };
        throw invalid(`expected a literal but found '${t.v}'`);
      }
      default:
        throw invalid(`expected a literal but found '${String(t.v)}'`);
    }
  }

  private primary(): FilterNode {
    const t = this.next();
    if (t.t === "(") {
      const n = this.or();
      this.expect(")");
      return n;
    }
    if (t.t !== "id") throw invalid(`unexpected '${String(t.v)}'`);
    const lower = t.v.toLowerCase();
    if ((lower === "startswith" || lower === "endswith" || lower === "contains") && this.peek()?.t === "(") {
      this.expect("(");
      const path = this.expect("id").v as string;
      this.expect(",");
      const v = this.literal();
      this.expect(")");
      if (typeof v.value !== "string") throw invalid(`${lower} expects a string`);
      return { type: "func", name: lower, path, value: v.value };
    }
    const lambda = /^(.*)\/(any|all)$/i.exec(t.v);
    if (lambda && this.peek()?.t === "(") {
      if (lambda[2]!.toLowerCase() === "all")
        throw unsupportedQuery("Unsupported query: lambda operator 'all'.");
      this.expect("(");
      const variable = this.expect("id").v as string;
      this.expect(":");
      const body = this.or();
      this.expect(")");
      return { type: "any", path: lambda[1]!, variable, body };
    }
    const path = t.v;
    const opTok = this.next();
    if (opTok.t !== "id") throw invalid(`expected an operator after '${path}'`);
    const op = opTok.v.toLowerCase();
    if (op === "in") {
      this.expect("(");
      const values: Literal[] = [this.literal().value];
      while (this.peek()?.t === ",") {
        this.p++;
        values.push(this.literal().value);
      }
      this.expect(")");
      return { type: "in", path, values };
    }
    if (!["eq", "ne", "gt", "ge", "lt", "le"].includes(op)) throw invalid(`unknown operator '${opTok.v}'`);
    const v = this.literal();
    return { type: "cmp", op: op as CmpOp, path, value: v.value, dateLiteral: v.dateLiteral };
  }
}

export function parseFilter(src: string): FilterNode {
  if (src.trim() === "") throw invalid("the expression is empty");
  if (src.length > 4000) throw invalid("the expression is too long");
  return new Parser(tokenize(src)).parse();
}

// ---- validation against what an entity supports --------------------------------------------------

export type FilterCap = "eq" | "ne" | "range" | "startswith" | "endswith" | "in" | "any";

export interface FilterSpec {
  /** Resource name in error messages, e.g. "User". */
  resource: string;
  /** Property path → supported operators. */
  props: Record<string, readonly FilterCap[]>;
  /** Allow any top-level property with eq/ne/range (small collections Graph filters in memory). */
  permissive?: boolean;
}

const NE_NAME = "NotEqualsMatch";

/** Throws Graph's errors for properties or operators the resource cannot filter on. */
export function checkFilter(node: FilterNode, spec: FilterSpec, advanced: boolean): void {
  const capsOf = (path: string): readonly FilterCap[] => {
    const caps = spec.props[path];
    if (caps) return caps;
    if (spec.permissive && !path.includes("/")) return ["eq", "ne", "range", "startswith", "in"];
    throw unsupportedQuery(
      `Unsupported or invalid query filter clause specified for property '${path}' of resource '${spec.resource}'.`,
    );
  };
  const need = (path: string, cap: FilterCap, opName: string) => {
    if (!capsOf(path).includes(cap))
      throw unsupportedQuery(`Unsupported property filter clause operator '${opName}'.`);
  };
  switch (node.type) {
    case "and":
    case "or":
      checkFilter(node.a, spec, advanced);
      checkFilter(node.b, spec, advanced);
      return;
    case "not":
      if (!advanced) throw unsupportedQuery("Unsupported property filter clause operator 'Not'.");
      checkFilter(node.a, spec, advanced);
      return;
    case "cmp":
      if (node.op === "eq") need(node.path, "eq", "EqualsMatch");
      else if (node.op === "ne") {
        if (!advanced) throw unsupportedQuery(`Unsupported property filter clause operator '${NE_NAME}'.`);
        need(node.path, "ne", NE_NAME);
      } else
        need(
          node.path,
          "range",
          node.op === "ge" || node.op === "gt" ? "GreaterThanOrEqualsMatch" : "LessThanOrEqualsMatch",
        );
      return;
    case "func":
      if (node.name === "contains")
        throw unsupportedQuery("Unsupported property filter clause operator 'Contains'.");
      if (node.name === "endswith" && !advanced)
        throw unsupportedQuery("Unsupported property filter clause operator 'EndsWith'.");
      need(node.path, node.name, node.name === "startswith" ? "StartsWith" : "EndsWith");
      return;
    case "in":
      need(node.path, "in", "In");
      return;
    case "any":
      if (!capsOf(node.path).includes("any"))
        throw unsupportedQuery(`Complex query on property ${node.path} is not supported.`);
      return;
  }
}

// ---- evaluation ---------------------------------------------------------------------------------

function resolve(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split("/")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function compare(actual: unknown, op: CmpOp, lit: Literal, dateLiteral: boolean): boolean {
  if (actual === undefined) actual = null;
  if (lit === null || actual === null) {
    const same = actual === lit;
    return op === "eq" ? same : op === "ne" ? !same : false;
  }
  let a: number | string | boolean;
  let b: number | string | boolean;
  if (dateLiteral && typeof actual === "string") {
    a = Date.parse(actual);
    b = Date.parse(String(lit));
  } else if (typeof actual === "string" && typeof lit === "string") {
    a = actual.toLowerCase();
    b = lit.toLowerCase();
  } else {
    a = actual as number | boolean;
    b = lit;
  }
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
  }
}

export function evaluate(node: FilterNode, obj: unknown, scope: Record<string, unknown> = {}): boolean {
  const get = (path: string): unknown => {
    const [head, ...rest] = path.split("/");
    if (head !== undefined && head in scope)
      return rest.length ? resolve(scope[head], rest.join("/")) : scope[head];
    return resolve(obj, path);
  };
  switch (node.type) {
    case "and":
      return evaluate(node.a, obj, scope) && evaluate(node.b, obj, scope);
    case "or":
      return evaluate(node.a, obj, scope) || evaluate(node.b, obj, scope);
    case "not":
      return !evaluate(node.a, obj, scope);
    case "cmp":
      return compare(get(node.path), node.op, node.value, node.dateLiteral);
    case "func": {
      const v = get(node.path);
      if (typeof v !== "string") return false;
      const a = v.toLowerCase();
      const b = node.value.toLowerCase();
      return node.name === "startswith"
        ? a.startsWith(b)
        : node.name === "endswith"
          ? a.endsWith(b)
          : a.includes(b);
    }
    case "in": {
      const v = get(node.path);
      return node.values.some((lit) => compare(v, "eq", lit, false));
    }
    case "any": {
      const arr = get(node.path);
      if (!Array.isArray(arr)) return false;
      return arr.some((el) => evaluate(node.body, obj, { ...scope, [node.variable]: el }));
    }
  }
}

/** Time bounds implied by top-level `and` comparisons on one property (used to seek in sorted logs). */
export function timeBounds(node: FilterNode | undefined, path: string): { from?: number; to?: number } {
  const out: { from?: number; to?: number } = {};
  const walk = (n: FilterNode) => {
    if (n.type === "and") {
      walk(n.a);
      walk(n.b);
    } else if (n.type === "cmp" && n.path === path && typeof n.value === "string") {
      const t = Date.parse(n.value);
      if (Number.isNaN(t)) return;
      if (n.op === "ge" || n.op === "gt") out.from = Math.max(out.from ?? -Infinity, t);
      if (n.op === "le" || n.op === "lt") out.to = Math.min(out.to ?? Infinity, t);
      if (n.op === "eq") {
        out.from = t;
        out.to = t;
      }
    }
  };
  if (node) walk(node);
  return out;
}
