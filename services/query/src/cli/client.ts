import { ErrorResponse } from "@tenantlens/contracts";

/** The few REST calls the CLI makes, with errors turned into messages and exit codes. */

export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiTarget {
  url: string;
  key: string;
}

export async function call(
  target: ApiTarget,
  path: string,
  init: { method: string; body?: unknown; accept?: string },
  fetchImpl: Fetch = fetch,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetchImpl(`${target.url}${path}`, {
      method: init.method,
      headers: {
        authorization: `Bearer ${target.key}`,
        accept: init.accept ?? "application/json",
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    throw new CliFailure(
      `cannot reach ${target.url}${cause} (is the gateway running? --url or TENANTLENS_URL)`,
      3,
    );
  }
  if (res.ok) return res;
  throw new CliFailure(await errorText(res), 1);
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON at all (a proxy's page, say)
  }
  const body = ErrorResponse.safeParse(json);
  if (!body.success) return `HTTP ${res.status}: ${text.slice(0, 500)}`;
  const hint = res.status === 401 ? " (check --key or TENANTLENS_API_KEY)" : "";
  return `${body.data.error.code}: ${body.data.error.message}${hint}`;
}
