import type { Directory, DirectoryRegistry } from "../directory/index.js";
import type { AccessTokenClaims, IdentityPort } from "../types.js";
import type { Faults } from "./faults.js";
import type { GraphRequest } from "./http.js";
import type { QueryOptions } from "./odata/query.js";
import type { Throttle } from "./throttle.js";
import type { TokenCodec } from "./tokens.js";

/** Long-lived state shared by every request of one Graph app. */
export interface GraphRuntime {
  identity: IdentityPort;
  directories: DirectoryRegistry;
  tokens: TokenCodec;
  throttle: Throttle;
  faults: Faults;
}

/** Everything a route handler sees for one (authenticated, tenant-resolved) request. */
export interface Ctx {
  rt: GraphRuntime;
  req: GraphRequest;
  dir: Directory;
  claims: AccessTokenClaims;
  perms: ReadonlySet<string>;
  q: QueryOptions;
  params: Record<string, string>;
  beta: boolean;
  /** `${origin}/${version}`: the prefix of @odata links. */
  base: string;
  /** `ConsistencyLevel: eventual` was sent (advanced queries, $count, $search). */
  advanced: boolean;
}
