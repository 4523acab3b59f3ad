// The hosted login page in a real browser: headless Chromium (Debian's
// /usr/bin/chromium) driven by playwright-core, against the local server.
//   1. open /authorize; a wrong password shows the error; the keyboard submits;
//   2. land on the callback with access_token, id_token and refresh_token;
//   3. from an allowed origin, POST /delegation with fetch and a form body
//      (as the classic browser SDK does) and get a new id token;
//   4. from an origin no client registered, the browser blocks the same call;
//   5. the allowed origin lists the user's devices at /api with the user's
//      own access token (CORS on /api);
//   6. the admin console: to the login page and back, signed in as the seeded
//      admin, finds the demo user and sees the device; the demo user gets 403;
//   7. "Your devices": the device is listed and marked, and signing it out
//      with the keyboard leaves none.
// It also checks the page is usable on a phone (no sideways scroll), loads
// nothing from elsewhere and breaks no CSP rule, and saves the screenshots
// the README shows (docs/).
//
// Usage: node login.mjs <API port> <allowed origin's port> <foreign origin's port> [screenshot dir]
// (run by tests/browser/run, which registers only the allowed origin)
import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [port, allowedPort, foreignPort] = process.argv.slice(2, 5).map(Number);
const shots = process.argv[5];
const api = `http://127.0.0.1:${port}`;

function step(name) {
  console.log(`browser: ${name}`);
}

/** A plain page on 127.0.0.1:<port>: an origin of its own, with no CSP. */
async function origin(port) {
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>an app</title><p>a page of some app</p>');
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}/` };
}

async function delegate(page, refreshToken) {
  return page.evaluate(async ({ api, refreshToken }) => {
    const body = new URLSearchParams({
      client_id: 'local-demo',
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      refresh_token: refreshToken,
      scope: 'openid',
      api_type: 'app',
    });
    try {
      const response = await fetch(`${api}/delegation`, { method: 'POST', body });
      return { status: response.status, body: await response.json() };
    } catch (error) {
      return { blocked: String(error) };
    }
  }, { api, refreshToken });
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 390, height: 700 } });
  const page = await context.newPage();
  const elsewhere = [];
  const cspViolations = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) elsewhere.push(request.url());
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

  step('the login page');
  const query = new URLSearchParams({
    response_type: 'token', client_id: 'local-demo', redirect_uri: `${api}/callback`,
    scope: 'openid profile email offline_access', device: 'Headless Chromium', state: 'st-1', nonce: 'n-1',
  });
  const first = await page.goto(`${api}/authorize?${query}`);
  assert.equal(first.status(), 200);
  assert.match(first.headers()['content-security-policy'], /default-src 'none'/);
  const email = page.getByLabel('Email');
  const password = page.getByLabel('Password');
  assert.ok(await email.isVisible() && await password.isVisible(), 'labelled fields');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'username', 'the email field has focus');
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(fits, 'no sideways scrolling on a phone-sized screen');
  if (shots) await page.screenshot({ path: `${shots}/login-page.png` });

  step('a wrong password shows the error and keeps the email');
  await email.fill('demo@example.com');
  await password.fill('not the password');
  const refused = page.waitForResponse((r) => r.url().endsWith('/authorize') && r.request().method() === 'POST');
  await password.press('Enter');
  assert.equal((await refused).status(), 401);
  await page.waitForLoadState();
  const alert = page.getByRole('alert');
  assert.match(await alert.innerText(), /wrong|incorrect|invalid/i);
  assert.equal(await page.getByLabel('Email').inputValue(), 'demo@example.com');

  step('signing in with the keyboard lands on the callback with the tokens');
  await page.getByLabel('Password').fill('demo-password');
  await Promise.all([page.waitForURL(/\/callback#/), page.getByLabel('Password').press('Enter')]);
  const fragment = Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.slice(1)));
  for (const name of ['access_token', 'id_token', 'refresh_token']) assert.ok(fragment[name], name);
  assert.equal(fragment.state, 'st-1');
  if (shots) await page.screenshot({ path: `${shots}/callback-page.png`, fullPage: true });

  step('an allowed origin calls /delegation with a form body');
  const app = await origin(allowedPort);
  await page.goto(app.url);
  const allowed = await delegate(page, fragment.refresh_token);
  assert.equal(allowed.status, 200, JSON.stringify(allowed));
  assert.ok(allowed.body.id_token, 'a new id token');
  assert.notEqual(allowed.body.id_token, fragment.id_token);

  step('an origin no client registered is blocked by the browser');
  const stranger = await origin(foreignPort);
  await page.goto(stranger.url);
  const foreign = await delegate(page, allowed.body.refresh_token || fragment.refresh_token);
  assert.ok(foreign.blocked, `the browser let a foreign origin read the answer: ${JSON.stringify(foreign)}`);

  step('the allowed origin lists the user\'s devices at /api with the user\'s token');
  await page.goto(app.url);
  const listed = await page.evaluate(async ({ api, token }) => {
    const response = await fetch(`${api}/api/users/usr_demo/refresh_tokens`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  }, { api, token: fragment.access_token });
  assert.equal(listed.status, 200, JSON.stringify(listed));
  assert.ok(listed.body.some((d) => d.device_name === 'Headless Chromium'), JSON.stringify(listed.body));
  app.server.close();
  stranger.server.close();

  step('the admin console: to the login page and back, then the demo user\'s devices');
  const adminContext = await browser.newContext({ viewport: { width: 390, height: 700 } });
  const admin = await adminContext.newPage();
  admin.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  await admin.goto(`${api}/admin`);
  assert.match(admin.url(), /\/authorize\?/, 'not signed in: the login page');
  await admin.getByLabel('Email').fill('admin@example.com');
  await admin.getByLabel('Password').fill('admin-password');
  await Promise.all([admin.waitForURL(`${api}/admin`), admin.getByLabel('Password').press('Enter')]);
  await admin.getByLabel('Find a user by email').fill('demo@example.com');
  await Promise.all([admin.waitForURL(/email=demo/), admin.getByRole('button', { name: 'Find' }).click()]);
  assert.ok(await admin.getByRole('heading', { name: 'Headless Chromium' }).isVisible(), 'the device');
  assert.ok(await admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits a phone');
  if (shots) await admin.screenshot({ path: `${shots}/admin-console.png`, fullPage: true });
  await adminContext.close();
  const refusedConsole = await page.goto(`${api}/admin`);
  assert.equal(refusedConsole.status(), 403, 'the demo user is no admin');

  step('"Your devices": the device is listed, and the keyboard signs it out');
  const account = await page.goto(`${api}/account`);
  assert.equal(account.status(), 200);
  assert.match(account.headers()['content-security-policy'], /default-src 'none'/);
  const device = page.getByRole('heading', { name: 'Headless Chromium' });
  assert.ok(await device.isVisible(), 'the device is listed');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits a phone');
  if (shots) await page.screenshot({ path: `${shots}/account-page.png`, fullPage: true });
  const signOut = page.getByRole('button', { name: 'Sign out Headless Chromium (Local demo app)' });
  await signOut.focus();
  const posted = page.waitForResponse((r) => r.url().endsWith('/account/revoke'));
  await page.keyboard.press('Enter');
  assert.equal((await posted).status(), 303, 'the form posts, then back to the page');
  await page.getByText('No devices are signed in').waitFor({ timeout: 5000 });

  assert.deepEqual(elsewhere, [], 'nothing is loaded from other hosts');
  assert.deepEqual(cspViolations, [], 'no CSP violations');
  await browser.close();
  step('ok');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
