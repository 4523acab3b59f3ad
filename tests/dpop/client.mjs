// openid-client (pinned in package.json, unchanged) as an independent DPoP
// client (RFC 9449) of the running server: a code exchange with PKCE and a
// proof, the server's nonce learnt through `use_dpop_nonce` and then kept
// from `DPoP-Nonce`, UserInfo and a management route with DPoP-bound access
// tokens, bound refreshes, and what a thief with the refresh token or the
// access token but not the key gets.
//
// Usage: node tests/dpop/client.mjs <base URL of the local server>
// The browser is fetch with a cookie, filling in the login form as
// tests/sign_in.py does.
import assert from 'node:assert/strict';
import * as client from 'openid-client';

const BASE = process.argv[2].replace(/\/$/, '');
const CLIENT = 'local-demo';
const CALLBACK = `${BASE}/callback`;
const checks = [];
const check = (name, condition, detail = '') => {
  assert.ok(condition, `openid-client DPoP: ${name} failed ${detail}`);
  checks.push(name);
};

// Every request the library makes, to see its nonce round trips.
const sent = [];
const logged = async (url, options) => {
  const response = await fetch(url, options);
  sent.push({ path: new URL(url).pathname, status: response.status, error: response.status === 400 ? (await response.clone().json()).error : undefined });
  return response;
};

const config = await client.discovery(
  new URL(`${BASE}/`),
  CLIENT,
  { id_token_signed_response_alg: 'ES256' },
  client.None(),
  { execute: [client.allowInsecureRequests] },
);
config[client.customFetch] = logged;
const meta = config.serverMetadata();
check('discovery lists the DPoP algorithms', meta.dpop_signing_alg_values_supported?.includes('ES256'));

const deviceKey = await client.randomDPoPKeyPair('ES256');
const dpop = client.getDPoPHandle(config, deviceKey);

/** Follows the authorization URL through the login form; the callback URL. */
async function signIn(url) {
  const page = await fetch(url, { redirect: 'manual' });
  check('the login page is shown', page.status === 200, page.status);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const html = await page.text();
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    form.set(name, value.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>'));
  }
  form.set('username', 'demo@example.com');
  form.set('password', 'demo-password');
  const answer = await fetch(`${BASE}/authorize`, {
    method: 'POST', body: form, redirect: 'manual', headers: { cookie },
  });
  const location = answer.headers.get('location') ?? '';
  check('the sign-in goes back to the callback', location.startsWith(CALLBACK), `${answer.status} ${location}`);
  return new URL(location);
}

// The code flow with PKCE and a proof: the first proof has no nonce, the
// server answers use_dpop_nonce, and the library retries with it.
const verifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const nonce = client.randomNonce();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: CALLBACK,
  scope: 'openid profile email offline_access',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
  device: 'openid-client laptop',
});
const callback = await signIn(url);
sent.length = 0;
const tokens = await client.authorizationCodeGrant(
  config, callback,
  { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
  undefined, { DPoP: dpop },
);
check('the exchange asked for the nonce once, then worked',
  JSON.stringify(sent) === JSON.stringify([
    { path: '/oauth/token', status: 400, error: 'use_dpop_nonce' },
    { path: '/oauth/token', status: 200 },
  ]), JSON.stringify(sent));
check('the tokens are DPoP tokens', tokens.token_type === 'dpop', tokens.token_type);
const sub = tokens.claims().sub;
check('the id token passed the library\'s checks', typeof sub === 'string' && sub.length > 0);

// UserInfo and a management route with the bound access token.
const info = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP: dpop });
check('UserInfo answers a DPoP request', info.email === 'demo@example.com', JSON.stringify(info));
const devicesUrl = new URL(`${BASE}/api/users/${encodeURIComponent(sub)}/refresh_tokens`);
const list = await client.fetchProtectedResource(config, tokens.access_token, devicesUrl, 'GET', undefined, undefined, { DPoP: dpop });
check('the device list answers a DPoP request', list.status === 200, list.status);
const devices = await list.json();
check('the list shows this device', devices.some((d) => d.device_name === 'openid-client laptop'), JSON.stringify(devices));

// A thief with the access token and a key of its own gets the DPoP challenge.
const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
let challenged;
try {
  const answer = await client.fetchProtectedResource(config, tokens.access_token, devicesUrl, 'GET', undefined, undefined, { DPoP: thief });
  challenged = { status: answer.status, header: answer.headers.get('www-authenticate') };
} catch (err) {
  challenged = { status: err.response?.status ?? err.status, header: err.response?.headers.get('www-authenticate') ?? String(err.cause?.[0]?.scheme) };
}
check('another key gets 401 with the DPoP challenge', challenged.status === 401 && /dpop/i.test(challenged.header ?? ''), JSON.stringify(challenged));

// A bound refresh: no nonce round trip, since the answers gave the nonce.
sent.length = 0;
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: dpop });
check('a bound refresh works with one request', sent.length === 1 && sent[0].status === 200, JSON.stringify(sent));
check('the refresh gives DPoP tokens', refreshed.token_type === 'dpop', refreshed.token_type);
check('the refresh token rotated', refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);

// A thief with the refresh token: no proof, or a proof by its own key.
async function refusal(options) {
  try {
    await client.refreshTokenGrant(config, refreshed.refresh_token, undefined, options);
    return 'accepted';
  } catch (err) {
    return err.error ?? err.code ?? String(err);
  }
}
check('a stolen refresh token without a proof is refused', (await refusal({})) === 'invalid_dpop_proof');
check('a stolen refresh token with another key is refused', (await refusal({ DPoP: thief })) === 'invalid_dpop_proof');

// The refusals changed nothing: the device's own refresh still works.
const again = await client.refreshTokenGrant(config, refreshed.refresh_token, undefined, { DPoP: dpop });
check('the device refreshes after the refusals', again.token_type === 'dpop' && again.access_token);

// RFC 7009 through the library; the session is gone afterwards.
await client.tokenRevocation(config, again.refresh_token);
check('a revoked session refreshes no more', (await refusal({ DPoP: dpop })) !== 'accepted');

console.log(`openid-client DPoP: ${checks.length} checks passed`);
