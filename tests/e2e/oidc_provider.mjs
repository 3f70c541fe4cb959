// A real OpenID Provider (npm `oidc-provider`) on 127.0.0.1 with an ephemeral port, for tests that
// need genuine JWT access tokens: a confidential client with the client_credentials grant, a
// resource server ('urn:citadel:api', audience 'citadel') whose access tokens are RS256 JWTs, and
// per-token tenant / roles / amr claims. Keys can be rotated the way a real IdP does it.
//
//   const idp = await startProvider();
//   const jwt = await idp.token({ tenant: 'acme', roles: ['admin'], amr: ['pwd', 'otp'] });
//   await idp.rotateKeys();     // a new signing key becomes current; the old one stays published
//   await idp.removeOldKey();   // the old key leaves the JWKS
//   await idp.stop();
import http from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

export const AUDIENCE = 'citadel';
export const RESOURCE = 'urn:citadel:api';
const CLIENT_ID = 'citadel-e2e';
const CLIENT_SECRET = 'e2e-secret-not-used-anywhere-else';

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `k-${randomUUID()}`, alg: 'RS256', use: 'sig' };
}

export async function startProvider({ ttlSeconds = 300 } = {}) {
  let provider;
  // Claims for the next token: token() calls are serialized so each request sees its own.
  let pending = {};
  let queue = Promise.resolve();
  const keys = [newSigningKey()];  // keys[0] signs; the rest are published only

  const server = http.createServer((req, res) => provider.callback()(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  function build() {
    const current = keys[0].kid;
    provider = new Provider(issuer, {
      clients: [{
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      }],
      jwks: { keys: keys.map((k) => ({ ...k })) },
      cookies: { keys: ['e2e-cookie-key'] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => {
            if (indicator !== RESOURCE) throw new Provider.errors.InvalidTarget();
            return {
              scope: 'api',
              audience: AUDIENCE,
              accessTokenFormat: 'jwt',
              accessTokenTTL: ttlSeconds,
              jwt: { sign: { alg: 'RS256', kid: current } },
            };
          },
        },
      },
      extraTokenClaims: () => ({ ...pending }),
      ttl: { ClientCredentials: ttlSeconds },
    });
  }
  build();

  const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');

  // An RS256 JWT access token carrying `tenant`, `roles` and `amr` when given (plus any `claims`).
  function token({ tenant, roles, amr, claims = {} } = {}) {
    const run = async () => {
      pending = { ...claims };
      if (tenant !== undefined) pending.tenant = tenant;
      if (roles !== undefined) pending.roles = roles;
      if (amr !== undefined) pending.amr = amr;
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api', resource: RESOURCE }),
        signal: AbortSignal.timeout(10000),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
      if (body.access_token.split('.').length !== 3) throw new Error('the access token is not a JWT');
      return body.access_token;
    };
    const result = queue.then(run, run);
    queue = result.catch(() => {});
    return result;
  }

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    currentKid: () => keys[0].kid,
    publishedKids: () => keys.map((k) => k.kid),
    token,
    async rotateKeys() {
      await queue;
      keys.unshift(newSigningKey());
      build();
    },
    async removeOldKey() {
      await queue;
      keys.splice(1);
      build();
    },
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
