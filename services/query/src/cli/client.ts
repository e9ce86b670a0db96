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
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) {
      const hint = res.status === 401 ? " (check --key or TENANTLENS_API_KEY)" : "";
      return `${body.error.code ?? res.status}: ${body.error.message}${hint}`;
    }
  } catch {
    // not our JSON error body
  }
  return `HTTP ${res.status}: ${text.slice(0, 500)}`;
}
