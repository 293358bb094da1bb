// `oauthscope mock` with its demo clients, for one describe block of interop tests: started
// before the block's tests, the demo clients discovered through openid-client, and stopped
// after the block.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import * as client from 'openid-client';
import { startMock } from './oauthscope.mjs';
import { JwtChecker } from './jwt-checks.mjs';
import { actAsUser } from './browser.mjs';

export const PUBLIC_CLIENT = 'demo-public';
export const CONFIDENTIAL_CLIENT = 'demo-confidential';
export const CONFIDENTIAL_SECRET = 'demo-secret';
/** A redirect URI the demo clients have (any port on loopback, RFC 8252 §7.3). */
export const REDIRECT_URI = 'http://127.0.0.1/callback';
/** The mock speaks plain http on loopback; openid-client refuses that unless told. */
export const insecure = { execute: [client.allowInsecureRequests] };

/**
 * Registers the block's hooks: before its tests, the mock started with `options` (see
 * startMock) and `ready` called with `{ mock, publicClient, basicClient, postClient,
 * metadata, jwt }`: the demo clients as openid-client configurations (`none`; the demo
 * secret over client_secret_basic and client_secret_post), the server's metadata and a jose
 * checker on its JWKS. After them, the mock stopped.
 */
export function useDemoMock(options, ready) {
  let mock;
  before(async () => {
    mock = await startMock(options);
    const discover = (id, auth) => client.discovery(new URL(mock.issuer), id, undefined, auth, insecure);
    const publicClient = await discover(PUBLIC_CLIENT, client.None());
    const basicClient = await discover(CONFIDENTIAL_CLIENT, client.ClientSecretBasic(CONFIDENTIAL_SECRET));
    const postClient = await discover(CONFIDENTIAL_CLIENT, client.ClientSecretPost(CONFIDENTIAL_SECRET));
    const metadata = publicClient.serverMetadata();
    await ready({ mock, publicClient, basicClient, postClient, metadata, jwt: new JwtChecker(metadata) });
  });
  after(async () => {
    await mock?.stop();
  });
}

/**
 * Authorization code + PKCE with openid-client: build the URL (or push it, for PAR), let the
 * user agent follow /authorize to the redirect, then authorizationCodeGrant with its state,
 * nonce, PKCE and iss checks. Returns everything a later step needs.
 */
export async function codeFlowWith(config, { scope, redirectUri = REDIRECT_URI, par = false, jar }) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params = {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  const url = jar
    ? await client.buildAuthorizationUrlWithJAR(config, params, jar)
    : par
      ? await client.buildAuthorizationUrlWithPAR(config, params)
      : client.buildAuthorizationUrl(config, params);
  const { redirect } = await actAsUser(url, { stopPrefix: redirectUri });
  assert.ok(redirect, `/authorize ended on ${redirectUri}`);
  const tokens = await client.authorizationCodeGrant(config, redirect, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { tokens, redirect, codeVerifier, state, nonce, url };
}
