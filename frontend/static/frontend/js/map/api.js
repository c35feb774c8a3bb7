// Reading the public API (/api/v1/): JSON in the page's language, a stale request cancelled by
// the next one on the same channel, errors carrying the API's own message.
import { lang } from "map/text";

export class ApiError extends Error {
  constructor(status, body) {
    const messages = body && typeof body === "object" ? Object.values(body).flat() : [];
    super(messages.filter((m) => typeof m === "string").join(" ") || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** `path` with `params` (an object or URLSearchParams; empty values left out) as its query. */
export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [name, value] of entries) {
    if (value !== "" && value !== null && value !== undefined) query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export async function getJSON(path, params = {}, { signal } = {}) {
  const response = await fetch(withQuery(path, params), {
    headers: { Accept: "application/json, application/geo+json", "Accept-Language": lang },
    credentials: "same-origin",
    signal,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** Requests where only the latest answer matters (the view being panned, the text being typed):
 * a new request, or `cancel()`, aborts the one before it, whose promise then never settles. */
export class Channel {
  #controller = null;

  get(path, params) {
    this.cancel();
    const controller = (this.#controller = new AbortController());
    return new Promise((resolve, reject) => {
      const settle = (outcome) => (value) => controller.signal.aborted || outcome(value);
      getJSON(path, params, { signal: controller.signal }).then(settle(resolve), settle(reject));
    });
  }

  cancel() {
    this.#controller?.abort();
  }
}
