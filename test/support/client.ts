/** A tiny client for the Worker's routes, over any fetch function (workerd binding or Miniflare). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function client(fetchFn: FetchLike, base = "http://serve.test") {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
      if (!("content-type" in headers)) (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const res = await fetchFn(`${base}${path}`, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    call,
    get: (path: string) => call("GET", path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call("POST", path, body, headers),
  };
}
