// npm oidc-provider on 127.0.0.1:PORT, for scripts/bench-servers.sh, configured to do the
// same work as `oauthscope mock`'s demo clients: client credentials answered with a signed
// JWT access token (RFC 9068, through its resource indicators feature), and the code flow
// with PKCE for a public client, through its development login and consent pages.
// Usage: node oidc-provider.mjs PORT ALG
import { createServer } from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const [port, alg = 'RS256'] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const api = `${issuer}/api`;
const key = await generateKeyPair(alg, { extractable: true });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench-confidential',
      client_secret: 'bench-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'bench-public',
      application_type: 'native',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    },
  ],
  jwks: { keys: [{ ...(await exportJWK(key.privateKey)), kid: `bench-${alg}`, alg, use: 'sig' }] },
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  cookies: { keys: ['bench-cookie-signing-key'] },
  scopes: ['openid', 'api:read'],
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => api,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'api:read', audience: api, accessTokenFormat: 'jwt', jwt: { sign: { alg } } }),
    },
  },
  clientDefaults: { id_token_signed_response_alg: alg },
  pkce: { required: () => true },
});
createServer(provider.callback()).listen(Number(port), '127.0.0.1', () => console.log(`listening ${issuer}`));
