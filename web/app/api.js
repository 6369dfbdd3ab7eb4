// The only way pages talk to the server: JSON over the public /v1 API, with the access token
// kept in sessionStorage (closed with the tab; no cookies), refreshed once on a 401, and
// application/problem+json errors turned into ApiError with the field violations kept.
const SESSION_KEY = 'comptoir.session';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.code = problem && problem.code;
    this.violations = (problem && problem.errors) || [];
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    return null;
  }
}

export function saveSession(s) {
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(SESSION_KEY);
  window.dispatchEvent(new CustomEvent('comptoir:session'));
}

export function account() {
  const s = session();
  return s ? s.account : null;
}

export function hasRole(role) {
  const a = account();
  return !!a && (a.roles || []).includes(role);
}

async function readBody(res) {
  const type = res.headers.get('content-type') || '';
  if (res.status === 204) return null;
  if (type.includes('json')) return res.json();
  return res.text();
}

let refreshing = null;
async function refresh() {
  const s = session();
  if (!s || !s.refreshToken) return false;
  if (!refreshing) {
    refreshing = fetch('/v1/sessions:refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: s.refreshToken }),
    })
      .then(async (res) => {
        if (!res.ok) {
          saveSession(null);
          return false;
        }
        const next = await res.json();
        saveSession({ ...s, ...next, account: next.account || s.account });
        return true;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

// api('GET', '/v1/products:search', {query: {q: 'comté'}}) -> parsed JSON, or throws ApiError.
export async function api(method, path, { body, query, headers = {}, raw = false, retried = false } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '' && v !== false) params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  const h = { accept: 'application/json', ...headers };
  const s = session();
  if (s && s.accessToken) h.authorization = `Bearer ${s.accessToken}`;
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Blob) {
      payload = body;
    } else {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
  }
  const res = await fetch(url, { method, headers: h, body: payload });
  if (res.status === 401 && s && !retried && (await refresh())) {
    return api(method, path, { body, query, headers, raw, retried: true });
  }
  if (raw) return res;
  const data = await readBody(res).catch(() => null);
  if (!res.ok) throw new ApiError(res.status, typeof data === 'object' ? data : { detail: data });
  return data;
}

export async function login(email, password) {
  const s = await api('POST', '/v1/sessions', { body: { email, password } });
  saveSession(s);
  return s;
}

export async function logout() {
  const s = session();
  if (s && s.refreshToken) {
    await api('POST', '/v1/sessions:logout', { body: { refreshToken: s.refreshToken } }).catch(() => {});
  }
  saveSession(null);
}

// Re-reads the account (roles and shops change when a shop is created or approved) and
// refreshes the token so that it carries them.
export async function reloadAccount() {
  await refresh();
  const me = await api('GET', '/v1/accounts/me');
  const s = session();
  if (s) saveSession({ ...s, account: me });
  return me;
}

// Server-Sent Events with the Authorization header: EventSource cannot send one, so the
// stream is read with fetch() and parsed here. Reconnects with Last-Event-ID after a drop.
// Returns a function that stops it.
export function watch(path, onEvent, { onState = () => {} } = {}) {
  const controller = new AbortController();
  let lastId = '';
  let stopped = false;
  async function connect() {
    while (!stopped) {
      try {
        const s = session();
        const headers = { accept: 'text/event-stream' };
        if (s && s.accessToken) headers.authorization = `Bearer ${s.accessToken}`;
        if (lastId) headers['last-event-id'] = lastId;
        const res = await fetch(path, { headers, signal: controller.signal });
        if (res.status === 401 && (await refresh())) continue;
        if ([404, 405, 501].includes(res.status)) {
          // No stream on this server: the caller's polling is all there is.
          onState('unsupported');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('open');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = { type: 'message', data: '', id: '' };
            const data = [];
            for (const line of block.split('\n')) {
              if (!line || line.startsWith(':')) continue;
              const at = line.indexOf(':');
              const field = at < 0 ? line : line.slice(0, at);
              const val = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
              if (field === 'data') data.push(val);
              else if (field === 'event') event.type = val;
              else if (field === 'id') event.id = val;
            }
            if (event.id) lastId = event.id;
            if (data.length) {
              event.data = data.join('\n');
              try {
                onEvent(JSON.parse(event.data), event);
              } catch {
                onEvent(event.data, event);
              }
            }
          }
        }
      } catch (e) {
        if (stopped) return;
        onState('error', e);
      }
      if (!stopped) {
        onState('retry');
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }
  connect();
  return () => {
    stopped = true;
    controller.abort();
  };
}
