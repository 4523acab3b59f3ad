// node-oidc-provider as the baseline: its default in-memory adapter, refresh
// token rotation on, ES256 id tokens, one public client. It mints one refresh
// token per virtual client in-process (a grant for offline_access, as a code
// exchange would leave), prints them as JSON on a line starting "TOKENS ",
// then serves /token until killed.
// Usage: node oidc-provider.mjs <port> <number of tokens>
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, count] = process.argv.slice(2).map(Number);
const issuer = `http://127.0.0.1:${port}`;
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${issuer}/cb`],
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [{ ...key, kid: 'bench-es256', alg: 'ES256', use: 'sig' }] },
  scopes: ['openid', 'offline_access'],
  rotateRefreshToken: true,
  features: { devInteractions: { enabled: false } },
  findAccount: (_, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
});
provider.proxy = false;

async function mint(i) {
  const client = await provider.Client.find('bench');
  const grant = new provider.Grant({ accountId: `user-${i}`, clientId: 'bench' });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  const now = Math.floor(Date.now() / 1000);
  const token = new provider.RefreshToken({
    accountId: `user-${i}`, client, grantId, scope: 'openid offline_access',
    gty: 'authorization_code', authTime: now, iat: now,
  });
  return token.save();
}

const tokens = [];
for (let i = 0; i < count; i += 1) tokens.push(await mint(i));
provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`\nTOKENS ${JSON.stringify(tokens)}\n`);
});
