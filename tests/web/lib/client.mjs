// A small client of the public API for the tests' own set-up (accounts, shops, products,
// slots), so that each journey starts from data it made itself.
// A journey that met a route its service does not implement yet: reported as waiting.
export class Waiting extends Error {
  constructor(what) {
    super(what);
    this.waiting = true;
  }
}

export class Client {
  constructor(base, token = '') {
    this.base = base.replace(/\/$/, '');
    this.token = token;
  }

  async call(method, path, body, { ok = [200], headers = {} } = {}) {
    const h = { accept: 'application/json', ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (typeof body !== 'string') h['content-type'] = 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers: h, body: payload });
    const text = await res.text();
    let data = text;
    try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (res.status === 501 && !ok.includes(501)) {
      // Declared in the API but not implemented by the service yet.
      throw new Waiting(`${method} ${path} (501 not implemented)`);
    }
    if (!ok.includes(res.status)) {
      throw new Error(`${method} ${path} -> ${res.status}: ${text.slice(0, 400)}`);
    }
    return { status: res.status, data };
  }

  async login(email, password) {
    const { data } = await this.call('POST', '/v1/sessions', { email, password });
    this.token = data.accessToken;
    this.refreshToken = data.refreshToken;
    this.account = data.account;
    return data;
  }

  // Signs up (or logs in when the address exists already).
  async signUp(email, displayName, password) {
    const { status } = await this.call('POST', '/v1/accounts', { email, displayName, password }, { ok: [200, 409] });
    await this.login(email, password);
    return status;
  }

  // A fresh token carrying the shops the account now belongs to.
  async refresh() {
    const { data } = await this.call('POST', '/v1/sessions:refresh', { refreshToken: this.refreshToken });
    this.token = data.accessToken;
    this.refreshToken = data.refreshToken;
    return data;
  }

  async waitFor(what, check, { timeoutMs = 15000, everyMs = 250 } = {}) {
    const end = Date.now() + timeoutMs;
    let last;
    while (Date.now() < end) {
      try {
        last = await check();
        if (last) return last;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
  }
}

export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// A 14-digit SIRET with a valid Luhn key, different on each call.
export function siret() {
  const digits = Array.from({ length: 13 }, () => Math.floor(Math.random() * 10));
  for (let check = 0; check < 10; check++) {
    const all = [...digits, check];
    let sum = 0;
    all.forEach((d, i) => {
      let v = d;
      if ((all.length - i) % 2 === 0) { v *= 2; if (v > 9) v -= 9; }
      sum += v;
    });
    if (sum % 10 === 0) return all.join('');
  }
  throw new Error('unreachable');
}
