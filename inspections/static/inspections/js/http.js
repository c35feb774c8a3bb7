// The planning pages' requests: JSON in the page's language, changes sent with the page's CSRF
// token, a refusal carrying the server's own (translated) message.
import { lang } from "inspections/text";

export class RequestError extends Error {
  constructor(status, body) {
    const messages = [];
    if (body?.error) messages.push(body.error);
    for (const list of Object.values(body?.errors || {})) messages.push(...list);
    super(messages.join(" ") || `HTTP ${status}`);
    this.status = status;
  }
}

const csrfToken = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";

async function send(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json, application/geo+json", "Accept-Language": lang, ...options.headers },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new RequestError(response.status, body);
  return body;
}

export const getJSON = (url, { signal } = {}) => send(url, { signal });

export const postJSON = (url, body = {}) =>
  send(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
