// npm oidc-provider (OpenID Certified) on 127.0.0.1, configured as a typical real-world
// authorization server: confidential clients, PKCE required, refresh tokens, device flow,
// introspection and revocation, PAR, dynamic registration and management, and its
// development login/consent pages for the user.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { freePort } from './oauthscope.mjs';

export const BASIC_CLIENT = { id: 'interop-basic', secret: 'interop-secret: with ~ and +' };
export const POST_CLIENT = { id: 'interop-post', secret: 'interop-post-secret' };
export const USER = { login: 'alice', name: 'Alice Liddell', email: 'alice@example.com' };
/** Clients that authenticate with a JWT (RFC 7523 §2.2): one with its own key, one with HS256. */
export const KEY_CLIENT = { id: 'interop-pkjwt' };
export const HS_CLIENT = { id: 'interop-hsjwt', secret: 'interop-hs256-secret-long-enough-for-hmac' };

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'];

function clientMetadata({ id, secret }, method) {
  return {
    client_id: id,
    client_secret: secret,
    // Native clients may vary the port of a loopback redirect URI (RFC 8252 §7.3).
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: GRANTS,
    response_types: ['code'],
    token_endpoint_auth_method: method,
    scope: 'openid profile email offline_access api:read',
  };
}

/** RFC 8707 for one resource server: tokens for it are JWTs (RFC 9068) with `aud` = its URL. */
function resourceIndicatorsFor({ url, scope }) {
  return {
    enabled: true,
    defaultResource: () => url,
    useGrantedResource: () => true,
    getResourceServerInfo: (_ctx, resourceIndicator) => {
      if (resourceIndicator !== url) throw new errors.InvalidTarget();
      return { scope, audience: url, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
    },
  };
}

/** RFC 9396 with one type, whose details are granted as the request asked for them. */
const asked = (ctx) => JSON.parse(ctx.oidc.params.authorization_details ?? '[]');
const grantedAsAsked = {
  enabled: true,
  types: { payment_initiation: { validate() {} } },
  authorizationDetailsForGrantSource: (ctx) => asked(ctx),
  authorizationDetailsForAccessToken: (ctx, _token, source) => source?.rar ?? asked(ctx),
  authorizationDetailsForIntrospection: (_ctx, token) => token.rar,
};

/** The private_key_jwt client's key pair: the private JWK for oauthscope, the public for the provider. */
async function clientKey() {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const kid = 'interop-client-es256';
  return {
    privateJwk: { ...(await exportJWK(pair.privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

async function signingKeys() {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  return [
    { ...(await exportJWK(rsa.privateKey)), kid: 'interop-rs256', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.privateKey)), kid: 'interop-es256', alg: 'ES256', use: 'sig' },
  ];
}

/**
 * Starts the provider; resolves `{ issuer, stop() }`. With `mountPath` (e.g. `/oidc`) the
 * issuer has a path, as multi-tenant servers do, and discovery lives under it. With
 * `resourceServer` (`{ url, scope }`) the provider issues JWT access tokens for that RFC 8707
 * resource, with `aud` the resource and its scope, as an MCP server's authorization server.
 * With `dpopNonce`, every DPoP proof must carry a nonce the provider issued (RFC 9449 §8).
 * With `rar`, rich authorization requests (RFC 9396) of type `payment_initiation` are
 * granted as asked.
 */
export async function startOidcProvider({ mountPath = '', resourceServer, dpopNonce = false, rar = false } = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}${mountPath}`;
  const keyPair = await clientKey();
  const { client_secret: _unused, ...keyClientBase } = clientMetadata({ id: KEY_CLIENT.id }, 'private_key_jwt');
  const keyClient = { ...keyClientBase, jwks: { keys: [keyPair.publicJwk] }, request_object_signing_alg: 'ES256' };
  const provider = new Provider(issuer, {
    clients: [
      clientMetadata(BASIC_CLIENT, 'client_secret_basic'),
      clientMetadata(POST_CLIENT, 'client_secret_post'),
      keyClient,
      clientMetadata(HS_CLIENT, 'client_secret_jwt'),
    ].map((c) => (rar ? { ...c, authorization_details_types: Object.keys(grantedAsAsked.types) } : c)),
    jwks: { keys: await signingKeys() },
    cookies: { keys: ['interop-cookie-signing-key'] },
    scopes: ['openid', 'offline_access', 'api:read', ...(resourceServer ? resourceServer.scope.split(' ') : [])],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: USER.name, email: USER.email, email_verified: true }),
    }),
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      // Open dynamic registration (RFC 7591) with management (RFC 7592).
      registration: { enabled: true },
      registrationManagement: { enabled: true },
      // RFC 9101 request objects by value and through PAR.
      requestObjects: { enabled: true },
      ...(resourceServer && { resourceIndicators: resourceIndicatorsFor(resourceServer) }),
      ...(dpopNonce && { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } }),
      ...(rar && { richAuthorizationRequests: grantedAsAsked }),
    },
    pkce: { required: () => true },
    // Issue refresh tokens whenever the client may use them, so the refresh flow is testable
    // without the offline_access + prompt=consent ritual.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { AccessToken: 600, AuthorizationCode: 60, ClientCredentials: 600, DeviceCode: 120, IdToken: 600, RefreshToken: 3600, Grant: 3600, Interaction: 600, Session: 3600 },
  });
  // Keep the test output readable: oidc-provider warns about its development settings.
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  const callback = provider.callback();
  const server = createServer((req, res) => {
    if (req.url !== mountPath && !req.url.startsWith(`${mountPath}/`)) {
      res.writeHead(404).end();
      return;
    }
    // oidc-provider builds its URLs from the path it was mounted at (req.originalUrl).
    req.originalUrl = req.url;
    req.url = req.url.slice(mountPath.length) || '/';
    callback(req, res);
  });
  server.listen(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    issuer,
    provider,
    clientPrivateJwk: keyPair.privateJwk,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
