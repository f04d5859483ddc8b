// The dashboard's one door to the collector: same-origin requests with the key entered at login, the
// collector's JSON errors as ApiError, and report downloads as files.

export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

export interface Api {
  <T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Saves what `path` answers (a CSV report) as a file named `name`. */
  download(path: string, name: string): Promise<void>;
}

export function createApi(key: () => string, fetchImpl: typeof fetch = (...args) => fetch(...args)): Api {
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetchImpl(path, {
      method,
      headers: { Authorization: `Bearer ${key()}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      const json = (await res.json().catch(() => null)) as { error?: { message?: string; issues?: Issue[] } } | null;
      throw new ApiError(res.status, json?.error?.message ?? res.statusText, json?.error?.issues ?? []);
    }
    return res;
  };
  const api = (async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await send(method, path, body);
    return (res.status === 204 ? null : await res.json()) as T;
  }) as Api;
  api.download = async (path, name) => {
    const blob = await (await send('GET', path)).blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  return api;
}

/** An element with attributes and text: everything shown is text, never HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
