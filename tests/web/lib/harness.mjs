// What every journey gets: a headless Chromium (Debian's, driven by playwright-core) in
// French, pages that fail the journey on a script error or a missing catalogue message,
// small waiting assertions, accessibility scans and screenshots.
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function launch() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--lang=fr-FR', '--disable-dev-shm-usage'] });
}

export class Journey {
  constructor(browser, base, name) {
    this.browser = browser;
    this.base = base;
    this.name = name;
    this.problems = [];
    this.contexts = [];
  }

  // A fresh browser profile (its own sessionStorage and localStorage): one person.
  async person({ width = 1100, height = 900 } = {}) {
    const context = await this.browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width, height }, baseURL: this.base });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => this.problems.push(`script error on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.text().startsWith('i18n: missing')) this.problems.push(`${m.text()} on ${page.url()}`);
    });
    return page;
  }

  // On failure: what each page showed, as text in the log and as a picture in the temp folder.
  async dump() {
    const out = [];
    let n = 0;
    for (const c of this.contexts) {
      for (const page of c.pages()) {
        n += 1;
        const file = path.join(os.tmpdir(), `comptoir-web-${this.name}-${n}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        const text = await page.locator('main, body').first().innerText({ timeout: 1000 }).catch(() => '');
        out.push(`page ${n} ${page.url()} (${file}):\n        ${text.replace(/\s+/g, ' ').slice(0, 600)}`);
      }
    }
    return out;
  }

  async close() {
    for (const c of this.contexts) await c.close().catch(() => {});
  }

  check() {
    if (this.problems.length) throw new Error(this.problems.join('\n'));
  }
}

export async function see(page, selector, { text, timeout = 15000 } = {}) {
  let loc = page.locator(selector);
  if (text) loc = loc.filter({ hasText: text });
  await loc.first().waitFor({ state: 'visible', timeout });
  return loc.first();
}

// Fills the log-in form the page shows and sends it.
export async function logIn(page, email, password) {
  await page.getByLabel('Adresse e-mail').first().fill(email);
  await page.getByLabel('Mot de passe').first().fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).first().click();
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

// No serious or critical WCAG 2.1 A/AA violation on the page as it stands.
export async function accessible(page, label) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`).join('\n  ');
    throw new Error(`accessibility of ${label}:\n  ${text}`);
  }
  return result.violations.length;
}

export async function screenshot(page, name) {
  const dir = process.env.SCREENSHOTS_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: false });
}
