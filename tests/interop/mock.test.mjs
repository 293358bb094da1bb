// `oauthscope mock` driven by independent, certified implementations: openid-client 6 (an
// OpenID Certified relying party library, built on oauth4webapi) for every flow, and jose 6
// to verify every JWT the mock signs against its published JWKS.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { startMock } from './lib/oauthscope.mjs';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, codeFlowWith, insecure, useDemoMock } from './lib/demo-mock.mjs';
import { actAsUser } from './lib/browser.mjs';
import { JwtChecker } from './lib/jwt-checks.mjs';


/**
 * Expect `promise` to reject with an OAuth error response whose `error` is `code`. A 401 with
 * `WWW-Authenticate` surfaces in openid-client as a challenge error; its body is read here.
 */
async function rejectsWithOAuthError(promise, code, message) {
  let err;
  try {
    await promise;
  } catch (caught) {
    err = caught;
  }
  assert.ok(err, `${message}: expected the server to refuse`);
  let body = err;
  if (err instanceof client.WWWAuthenticateChallengeError) {
    body = await err.response.json();
  } else {
    assert.ok(err instanceof client.ResponseBodyError, `${message}: expected an OAuth error response, got ${err}`);
  }
  assert.equal(body.error, code, `${message}: ${body.error}: ${body.error_description}`);
  assert.ok(body.error_description, `${message}: error_description explains the failure`);
}

/** Expect a rejection whose message, or the message of one of its causes, matches `pattern`. */
async function rejectsMentioning(promise, pattern) {
  await assert.rejects(promise, (err) => {
    const messages = [];
    for (let e = err; e; e = e.cause) messages.push(e.message ?? String(e));
    assert.match(messages.join(' <- '), pattern);
    return true;
  });
}

/** A raw form POST, for requests a certified client would never send. `basic`: [id, secret]. */
async function postForm(url, params, { basic } = {}) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic[0])}:${encodeURIComponent(basic[1])}`).toString('base64')}`;
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(params), redirect: 'manual' });
}


/** Only the front channel: /authorize to the redirect carrying the code; the verifier for later. */
async function authorizeOnly(config, { scope = 'openid', redirectUri = REDIRECT_URI } = {}) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
  });
  const { redirect } = await actAsUser(url, { stopPrefix: redirectUri });
  assert.ok(redirect?.searchParams.get('code'), `a code on the redirect: ${redirect}`);
  return { redirect, codeVerifier, state, code: redirect.searchParams.get('code') };
}

describe('oauthscope mock with openid-client and jose', () => {
  let mock;
  let metadata;
  let jwt;
  let publicClient;
  let basicClient;
  let postClient;
  let scope;

  useDemoMock({ autoApprove: 'alice' }, (demo) => {
    ({ mock, metadata, jwt, publicClient, basicClient, postClient } = demo);
    // The mock issues refresh tokens without offline_access; ask for it only where it exists.
    const offline = (metadata.scopes_supported ?? []).includes('offline_access') ? ' offline_access' : '';
    scope = `openid profile email${offline}`;
  });

  /** The code flow with this suite's default scope (see codeFlowWith). */
  const codeFlow = (config, options = {}) => codeFlowWith(config, { scope, ...options });

  describe('discovery', () => {
    test('OIDC discovery and RFC 8414 metadata agree and name the issuer exactly', async () => {
      const oauth = await client.discovery(new URL(mock.issuer), PUBLIC_CLIENT, undefined, client.None(), {
        ...insecure,
        algorithm: 'oauth2',
      });
      const rfc8414 = oauth.serverMetadata();
      assert.equal(metadata.issuer, mock.issuer, 'OIDC discovery issuer equals the base URL (RFC 8414 §3.3)');
      assert.equal(rfc8414.issuer, mock.issuer, 'RFC 8414 issuer equals the base URL');
      for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint',
        'introspection_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'device_authorization_endpoint',
        'pushed_authorization_request_endpoint']) {
        assert.ok(metadata[key], `metadata advertises ${key}`);
        assert.equal(rfc8414[key], metadata[key], `${key} is the same in both documents`);
        assert.ok(metadata[key].startsWith(`${mock.issuer}/`), `${key} lives under the issuer`);
      }
    });

    test('metadata advertises grants, PKCE S256, auth methods, signing algs and RFC 9207 iss', () => {
      const includes = (key, values) => {
        for (const v of values) assert.ok((metadata[key] ?? []).includes(v), `${key} includes ${v}: ${JSON.stringify(metadata[key])}`);
      };
      includes('grant_types_supported', ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']);
      includes('response_types_supported', ['code']);
      includes('code_challenge_methods_supported', ['S256']);
      includes('token_endpoint_auth_methods_supported', ['client_secret_basic', 'client_secret_post', 'none']);
      includes('scopes_supported', ['openid', 'profile', 'email']);
      includes('id_token_signing_alg_values_supported', ['RS256']);
      includes('subject_types_supported', ['public']);
      assert.equal(metadata.authorization_response_iss_parameter_supported, true, 'RFC 9207 §3');
    });

    test('JWKS publishes public RS256 and ES256 keys only, each with kid, use and alg', async () => {
      const response = await fetch(metadata.jwks_uri);
      assert.equal(response.status, 200);
      const { keys } = await response.json();
      assert.ok(Array.isArray(keys) && keys.length >= 2, 'at least two keys');
      for (const key of keys) {
        assert.ok(key.kid && key.use && key.alg, `kid, use, alg on ${JSON.stringify(key)}`);
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(key[secret], undefined, `no private member "${secret}" in ${key.kid}`);
      }
      assert.ok(keys.some((k) => k.kty === 'RSA' && k.alg === 'RS256'), 'an RS256 key');
      assert.ok(keys.some((k) => k.kty === 'EC' && k.alg === 'ES256' && k.crv === 'P-256'), 'an ES256 key');
      assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'kids are unique');
    });
  });

  describe('authorization code + PKCE', () => {
    test('public client: code, state, nonce, PKCE and iss all check out; every JWT verifies', async () => {
      const { tokens, redirect, nonce } = await codeFlow(publicClient);
      assert.equal(redirect.searchParams.get('iss'), mock.issuer, 'RFC 9207: iss on the authorization response');
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.ok(tokens.expires_in > 0);
      const access = await jwt.accessToken(tokens.access_token, { clientId: PUBLIC_CLIENT });
      const id = await jwt.idToken(tokens.id_token, { clientId: PUBLIC_CLIENT, nonce, accessToken: tokens.access_token });
      assert.equal(id.sub, access.sub, 'ID token and access token name the same user');
      assert.ok(id.at_hash, 'ID token carries at_hash (OIDC Core §3.1.3.6: the mock includes it)');
      assert.ok(id.auth_time, 'ID token carries auth_time');
      assert.deepEqual(tokens.claims(), id, 'openid-client read the same ID token claims');
    });

    test('max_age: the ID token carries a recent auth_time (OIDC Core §3.1.2.1)', async () => {
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(publicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        max_age: '300',
      });
      const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
      // openid-client requires auth_time and checks it against max_age.
      const tokens = await client.authorizationCodeGrant(publicClient, redirect, { pkceCodeVerifier: codeVerifier, expectedState: state, maxAge: 300 });
      assert.ok(tokens.claims().auth_time <= Math.floor(Date.now() / 1000) + 5);
    });

    test('confidential client over client_secret_basic and client_secret_post', async () => {
      for (const config of [basicClient, postClient]) {
        const { tokens, nonce } = await codeFlow(config);
        await jwt.accessToken(tokens.access_token, { clientId: CONFIDENTIAL_CLIENT });
        await jwt.idToken(tokens.id_token, { clientId: CONFIDENTIAL_CLIENT, nonce, accessToken: tokens.access_token });
      }
    });

    test('a tampered iss on the redirect is rejected by the certified client (RFC 9207 §2.4)', async () => {
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(publicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
      });
      const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
      assert.equal(redirect.searchParams.get('iss'), mock.issuer);
      const forged = new URL(redirect);
      forged.searchParams.set('iss', 'http://127.0.0.1:1/attacker');
      await rejectsMentioning(client.authorizationCodeGrant(publicClient, forged, { pkceCodeVerifier: codeVerifier, expectedState: state }), /unexpected "iss"/);
      const missing = new URL(redirect);
      missing.searchParams.delete('iss');
      await rejectsMentioning(client.authorizationCodeGrant(publicClient, missing, { pkceCodeVerifier: codeVerifier, expectedState: state }), /"iss" \(issuer\) missing/);
      const wrongState = new URL(redirect);
      wrongState.searchParams.set('state', client.randomState());
      await rejectsMentioning(client.authorizationCodeGrant(publicClient, wrongState, { pkceCodeVerifier: codeVerifier, expectedState: state }), /unexpected "state"/);
    });

    test('a wrong PKCE verifier is invalid_grant (RFC 7636 §4.6)', async () => {
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(publicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state,
      });
      const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
      await rejectsWithOAuthError(
        client.authorizationCodeGrant(publicClient, redirect, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state }),
        'invalid_grant',
        'wrong code_verifier',
      );
    });

    test('a public client that leaves out code_verifier is refused', async () => {
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(publicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state,
      });
      const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
      const response = await postForm(metadata.token_endpoint, {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code'),
        redirect_uri: REDIRECT_URI,
        client_id: PUBLIC_CLIENT,
      });
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.ok(['invalid_grant', 'invalid_request'].includes(body.error), `error for a missing verifier: ${JSON.stringify(body)}`);
    });

    test('a replayed code is invalid_grant and revokes the tokens it issued (RFC 6749 §4.1.2)', async () => {
      const { tokens, redirect, codeVerifier, state, nonce } = await codeFlow(publicClient);
      await rejectsWithOAuthError(
        client.authorizationCodeGrant(publicClient, redirect, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce }),
        'invalid_grant',
        'second use of the same code',
      );
      const introspection = await client.tokenIntrospection(basicClient, tokens.access_token);
      assert.equal(introspection.active, false, 'the access token issued from the replayed code is revoked');
      if (tokens.refresh_token) {
        const refresh = await client.tokenIntrospection(basicClient, tokens.refresh_token);
        assert.equal(refresh.active, false, 'the refresh token issued from the replayed code is revoked');
      }
    });

    test('a public client without PKCE is sent back with invalid_request (RFC 9700 §2.1.1)', async () => {
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(publicClient, { redirect_uri: REDIRECT_URI, scope: 'openid', state });
      const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
      assert.equal(redirect.searchParams.get('code'), null);
      await assert.rejects(
        client.authorizationCodeGrant(publicClient, redirect, { expectedState: state }),
        (err) => err instanceof client.AuthorizationResponseError && err.error === 'invalid_request',
      );
    });

    test('a repeated /authorize parameter gets no code (RFC 6749 §3.1)', async () => {
      const url = client.buildAuthorizationUrl(publicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: 'first',
      });
      url.searchParams.append('state', 'second');
      const response = await fetch(url, { redirect: 'manual' });
      const location = response.headers.get('location');
      assert.equal(location ? new URL(location).searchParams.get('code') : null, null, `refused, got ${response.status} ${location}`);
    });

    test('a loopback redirect_uri may use any port (RFC 8252 §7.3)', async () => {
      const { tokens } = await codeFlow(publicClient, { redirectUri: 'http://127.0.0.1:54321/callback' });
      await jwt.accessToken(tokens.access_token, { clientId: PUBLIC_CLIENT });
    });

    test('PKCE plain is honoured where advertised (RFC 7636 §4.2)', async () => {
      assert.ok(metadata.code_challenge_methods_supported.includes('plain'));
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(publicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: verifier,
        code_challenge_method: 'plain',
        state,
      });
      const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
      const tokens = await client.authorizationCodeGrant(publicClient, redirect, { pkceCodeVerifier: verifier, expectedState: state });
      await jwt.accessToken(tokens.access_token, { clientId: PUBLIC_CLIENT });
    });

    test('the code is bound to its redirect_uri and to its client (RFC 6749 §4.1.3)', async () => {
      const other = await authorizeOnly(publicClient);
      const wrongRedirect = await postForm(metadata.token_endpoint, {
        grant_type: 'authorization_code',
        code: other.code,
        redirect_uri: 'http://127.0.0.1/other-callback',
        client_id: PUBLIC_CLIENT,
        code_verifier: other.codeVerifier,
      });
      assert.equal(wrongRedirect.status, 400);
      assert.equal((await wrongRedirect.json()).error, 'invalid_grant', 'a different redirect_uri than at /authorize');

      const stolen = await authorizeOnly(publicClient);
      const wrongClient = await postForm(
        metadata.token_endpoint,
        { grant_type: 'authorization_code', code: stolen.code, redirect_uri: REDIRECT_URI, code_verifier: stolen.codeVerifier },
        { basic: [CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET] },
      );
      assert.equal(wrongClient.status, 400);
      assert.equal((await wrongClient.json()).error, 'invalid_grant', 'a code issued to demo-public, redeemed by demo-confidential');
    });

    test('the token endpoint takes form bodies only (RFC 6749 §3.2)', async () => {
      const response = await fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`,
        },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error, 'invalid_request');
    });

    test('browser apps get CORS on the token endpoint', async () => {
      const preflight = await fetch(metadata.token_endpoint, {
        method: 'OPTIONS',
        headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.ok(preflight.status >= 200 && preflight.status < 300, `preflight answered ${preflight.status}`);
      assert.ok(preflight.headers.get('access-control-allow-origin'), 'Access-Control-Allow-Origin on the preflight');
    });

    test('authorization errors go back to the redirect_uri with error, state and iss (RFC 9207 §2)', async () => {
      const state = client.randomState();
      const url = new URL(metadata.authorization_endpoint);
      url.search = new URLSearchParams({ response_type: 'token', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', state }).toString();
      const response = await fetch(url, { redirect: 'manual' });
      assert.ok([302, 303].includes(response.status), `an error redirect, got ${response.status}`);
      const location = new URL(response.headers.get('location'));
      assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
      assert.equal(location.searchParams.get('error'), 'unsupported_response_type');
      assert.ok(location.searchParams.get('error_description'));
      assert.equal(location.searchParams.get('state'), state);
      assert.equal(location.searchParams.get('iss'), mock.issuer);
      await assert.rejects(
        client.authorizationCodeGrant(publicClient, location, { expectedState: state, pkceCodeVerifier: client.randomPKCECodeVerifier() }),
        (err) => err instanceof client.AuthorizationResponseError && err.error === 'unsupported_response_type',
      );
    });

    test('redirect_uri is compared as an exact string, only a loopback port may vary (RFC 9700 §2.1)', async () => {
      const variants = [
        'http://127.0.0.1/callback/../callback',
        'http://127.0.0.1/callback/',
        'http://127.0.0.1/Callback',
        'http://127.0.0.1/callback?extra=1',
        'http://localhost/callback',
      ];
      const accepted = [];
      for (const redirectUri of variants) {
        const url = client.buildAuthorizationUrl(publicClient, {
          redirect_uri: redirectUri,
          scope: 'openid',
          code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          state: 'x',
        });
        const response = await fetch(url, { redirect: 'manual' });
        const location = response.headers.get('location');
        if (location && new URL(location).searchParams.get('code')) accepted.push(`${redirectUri} -> ${location.split('?')[0]}`);
      }
      assert.deepEqual(accepted, [], `redirect URIs that are not the registered string got a code`);
    });

    test('an unregistered redirect_uri gets an error page, never a redirect (RFC 6749 §4.1.2.1)', async () => {
      const url = new URL(metadata.authorization_endpoint);
      url.search = new URLSearchParams({ response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: 'https://attacker.example/cb', scope: 'openid', state: 'x' }).toString();
      const response = await fetch(url, { redirect: 'manual' });
      assert.ok(response.status >= 400 && response.status < 500, `an error page, got ${response.status}`);
      assert.equal(response.headers.get('location'), null);
    });
  });

  describe('pushed authorization requests (RFC 9126)', () => {
    test('openid-client pushes the request, /authorize takes the request_uri, the code exchanges', async () => {
      const { tokens, url, nonce } = await codeFlow(basicClient, { par: true });
      assert.match(url.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:/);
      assert.equal(url.searchParams.get('code_challenge'), null, 'the front channel carries only client_id and request_uri');
      await jwt.accessToken(tokens.access_token, { clientId: CONFIDENTIAL_CLIENT });
      await jwt.idToken(tokens.id_token, { clientId: CONFIDENTIAL_CLIENT, nonce, accessToken: tokens.access_token });
    });

    test('a request_uri is single use', async () => {
      const url = await client.buildAuthorizationUrlWithPAR(basicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: client.randomState(),
      });
      const first = await actAsUser(url, { stopPrefix: REDIRECT_URI });
      assert.ok(first.redirect.searchParams.get('code'));
      const second = await fetch(url, { redirect: 'manual' });
      const location = second.headers.get('location');
      const refused = second.status >= 400 || (location && new URL(location).searchParams.get('error'));
      assert.ok(refused, `a second use of the request_uri is refused, got ${second.status} ${location}`);
    });

    test('a request_uri is bound to the client that pushed it (RFC 9126 §4)', async () => {
      const url = await client.buildAuthorizationUrlWithPAR(basicClient, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: client.randomState(),
      });
      const hijacked = new URL(url);
      hijacked.searchParams.set('client_id', PUBLIC_CLIENT);
      const response = await fetch(hijacked, { redirect: 'manual' });
      const location = response.headers.get('location');
      const code = location ? new URL(location).searchParams.get('code') : null;
      assert.equal(code, null, `no code for another client's request_uri, got ${response.status} ${location}`);
    });

    test('a request_uri inside the PAR body is refused', async () => {
      const response = await postForm(
        metadata.pushed_authorization_request_endpoint,
        { response_type: 'code', client_id: CONFIDENTIAL_CLIENT, redirect_uri: REDIRECT_URI, request_uri: 'urn:ietf:params:oauth:request_uri:abc' },
        { basic: [CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET] },
      );
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error, 'invalid_request');
    });
  });

  describe('device authorization (RFC 8628)', () => {
    test('pending until the user approves on the verification page, then tokens', async () => {
      const device = await client.initiateDeviceAuthorization(basicClient, { scope: 'openid profile' });
      assert.ok(device.device_code && device.user_code && device.verification_uri && device.expires_in > 0);
      assert.ok(device.verification_uri_complete?.includes(encodeURIComponent(device.user_code)) || device.verification_uri_complete?.includes(device.user_code));
      assert.match(device.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-?[BCDFGHJKLMNPQRSTVWXZ]{4}$/, 'a short code in an unambiguous alphabet');

      const pending = await postForm(
        metadata.token_endpoint,
        { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code },
        { basic: [CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET] },
      );
      assert.equal(pending.status, 400);
      assert.equal((await pending.json()).error, 'authorization_pending');

      const { page } = await actAsUser(device.verification_uri, { userCode: device.user_code });
      assert.ok(page, 'the verification page ends on a result page');

      const tokens = await client.pollDeviceAuthorizationGrant(basicClient, device, undefined, { signal: AbortSignal.timeout(30_000) });
      const access = await jwt.accessToken(tokens.access_token, { clientId: CONFIDENTIAL_CLIENT });
      assert.equal(access.sub, (await jwt.idToken(tokens.id_token, { clientId: CONFIDENTIAL_CLIENT, accessToken: tokens.access_token })).sub);
      const claims = await client.fetchUserInfo(basicClient, tokens.access_token, access.sub);
      assert.equal(claims.sub, access.sub);
    });

    test('polling faster than the interval gets slow_down (RFC 8628 §3.5)', async () => {
      const device = await client.initiateDeviceAuthorization(basicClient, { scope: 'openid' });
      const poll = async () => {
        const response = await postForm(
          metadata.token_endpoint,
          { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code },
          { basic: [CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET] },
        );
        assert.equal(response.status, 400);
        return (await response.json()).error;
      };
      const first = await poll();
      assert.ok(['authorization_pending', 'slow_down'].includes(first), first);
      assert.equal(await poll(), 'slow_down', `a second poll at once, inside the ${device.interval ?? 5} s interval`);
    });

    test('the user code is read without case or dash (RFC 8628 §6.1)', async () => {
      const device = await client.initiateDeviceAuthorization(basicClient, { scope: 'openid' });
      const typed = device.user_code.replace(/-/g, '').toLowerCase();
      await actAsUser(device.verification_uri, { userCode: typed });
      const tokens = await client.pollDeviceAuthorizationGrant(basicClient, device, undefined, { signal: AbortSignal.timeout(30_000) });
      await jwt.accessToken(tokens.access_token, { clientId: CONFIDENTIAL_CLIENT });
    });

    test('an unknown device_code is invalid_grant', async () => {
      const response = await postForm(
        metadata.token_endpoint,
        { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'not-a-device-code' },
        { basic: [CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET] },
      );
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error, 'invalid_grant');
    });
  });

  describe('refresh tokens', () => {
    test('rotation; a rotated-out token is invalid_grant and revokes the family (RFC 9700 §4.14.2)', async () => {
      const { tokens: first } = await codeFlow(publicClient);
      assert.ok(first.refresh_token, `a refresh token for scope "${scope}"`);
      // A second later, so an auth_time that moved with the refresh would show.
      await sleep(1100);
      const second = await client.refreshTokenGrant(publicClient, first.refresh_token);
      assert.ok(second.refresh_token, 'a new refresh token');
      assert.notEqual(second.refresh_token, first.refresh_token, 'the refresh token rotated');
      assert.notEqual(second.access_token, first.access_token);
      await jwt.accessToken(second.access_token, { clientId: PUBLIC_CLIENT });
      if (second.id_token) {
        // OIDC Core §12.2: a refreshed ID token keeps iss, sub, aud, azp and the original auth_time.
        const original = decodeJwt(first.id_token);
        const refreshed = await jwt.idToken(second.id_token, { clientId: PUBLIC_CLIENT, accessToken: second.access_token, sub: original.sub });
        assert.deepEqual(refreshed.aud, original.aud);
        assert.equal(refreshed.auth_time, original.auth_time, 'auth_time is the time of the original authentication');
        assert.equal(refreshed.azp, original.azp);
      }

      await rejectsWithOAuthError(client.refreshTokenGrant(publicClient, first.refresh_token), 'invalid_grant', 'reuse of the rotated-out refresh token');
      await rejectsWithOAuthError(client.refreshTokenGrant(publicClient, second.refresh_token), 'invalid_grant', 'the newest refresh token of a family whose old token was replayed');
      const introspection = await client.tokenIntrospection(basicClient, second.refresh_token);
      assert.equal(introspection.active, false, 'the family is revoked');
    });

    test("a refresh token is bound to its client: another client's attempt is invalid_grant (RFC 6749 §6)", async () => {
      const { tokens } = await codeFlow(publicClient);
      await rejectsWithOAuthError(client.refreshTokenGrant(basicClient, tokens.refresh_token), 'invalid_grant', "demo-confidential presenting demo-public's refresh token");
    });

    test('scope may narrow on refresh, never widen (RFC 6749 §6)', async () => {
      const { tokens } = await codeFlow(publicClient);
      const narrowed = await client.refreshTokenGrant(publicClient, tokens.refresh_token, { scope: 'openid profile' });
      const access = await jwt.accessToken(narrowed.access_token, { clientId: PUBLIC_CLIENT });
      assert.deepEqual(new Set(access.scope.split(' ')), new Set(['openid', 'profile']));
      await rejectsWithOAuthError(
        client.refreshTokenGrant(publicClient, narrowed.refresh_token, { scope: `${scope} admin` }),
        'invalid_scope',
        'widening the scope',
      );
    });
  });

  describe('client credentials', () => {
    for (const [method, config] of [['client_secret_basic', () => basicClient], ['client_secret_post', () => postClient]]) {
      test(`demo-confidential over ${method}`, async () => {
        const tokens = await client.clientCredentialsGrant(config(), { scope: 'api:read' });
        assert.equal(tokens.refresh_token, undefined, 'no refresh token for client credentials (RFC 6749 §4.4.3)');
        const access = await jwt.accessToken(tokens.access_token, { clientId: CONFIDENTIAL_CLIENT, scope: 'api:read' });
        assert.equal(access.client_id, CONFIDENTIAL_CLIENT);
      });
    }

    test('token responses carry Cache-Control: no-store (RFC 6749 §5.1)', async () => {
      const response = await postForm(metadata.token_endpoint, { grant_type: 'client_credentials' }, { basic: [CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET] });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('cache-control') ?? '', /no-store/);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    });

    test('a wrong secret over Basic is 401 invalid_client with WWW-Authenticate (RFC 6749 §5.2)', async () => {
      const response = await postForm(metadata.token_endpoint, { grant_type: 'client_credentials' }, { basic: [CONFIDENTIAL_CLIENT, 'wrong-secret'] });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic/i);
      const body = await response.json();
      assert.equal(body.error, 'invalid_client');
      assert.ok(body.error_description);
      const wrong = await client.discovery(new URL(mock.issuer), CONFIDENTIAL_CLIENT, undefined, client.ClientSecretPost('wrong-secret'), insecure);
      await rejectsWithOAuthError(client.clientCredentialsGrant(wrong), 'invalid_client', 'wrong secret in the form body');
    });

    test('a public client cannot use client credentials', async () => {
      await assert.rejects(client.clientCredentialsGrant(publicClient), (err) => {
        assert.ok(['unauthorized_client', 'invalid_client'].includes(err.error), `${err.error}: ${err.error_description}`);
        return true;
      });
    });

    test('repeated form parameters are invalid_request (RFC 6749 §3.2)', async () => {
      const response = await fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials&grant_type=client_credentials',
      });
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error, 'invalid_request');
    });
  });

  describe('introspection, revocation and userinfo', () => {
    test('introspection of an active access token and of a refresh token (RFC 7662 §2.2)', async () => {
      const { tokens } = await codeFlow(publicClient);
      const access = decodeJwt(tokens.access_token);
      const info = await client.tokenIntrospection(basicClient, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.client_id, PUBLIC_CLIENT);
      assert.equal(info.sub, access.sub);
      assert.equal(info.iss, mock.issuer);
      assert.equal(info.jti, access.jti);
      assert.equal(info.exp, access.exp);
      assert.ok(info.scope && info.iat && info.aud && info.token_type && info.username, `every field: ${JSON.stringify(info)}`);
      const refresh = await client.tokenIntrospection(basicClient, tokens.refresh_token, { token_type_hint: 'refresh_token' });
      assert.equal(refresh.active, true);
      assert.equal(refresh.client_id, PUBLIC_CLIENT);
    });

    test('unknown tokens are {active:false} with 200; introspection needs client authentication', async () => {
      const info = await client.tokenIntrospection(basicClient, 'not-a-token');
      assert.deepEqual(info, { active: false });
      // RFC 7662 §2.1 requires authorization; RFC 6749 §5.2 allows 400 or 401 for invalid_client.
      const anonymous = await postForm(metadata.introspection_endpoint, { token: 'not-a-token' });
      assert.ok([400, 401].includes(anonymous.status), `refused, got ${anonymous.status}`);
      assert.equal((await anonymous.json()).error, 'invalid_client');
    });

    test('userinfo returns the claims the scopes grant; GET and POST (OIDC Core §5.3)', async () => {
      const { tokens } = await codeFlow(publicClient);
      const sub = tokens.claims().sub;
      const claims = await client.fetchUserInfo(publicClient, tokens.access_token, sub);
      assert.equal(claims.sub, sub);
      for (const claim of ['name', 'given_name', 'family_name', 'email', 'email_verified']) assert.ok(claims[claim] !== undefined, `${claim} for scopes profile email`);
      const posted = await postForm(metadata.userinfo_endpoint, { access_token: tokens.access_token });
      assert.equal(posted.status, 200);
      assert.equal((await posted.json()).sub, sub);
      await rejectsMentioning(client.fetchUserInfo(publicClient, tokens.access_token, 'somebody-else'), /"sub"/);
    });

    test('userinfo refuses a token with no user behind it: 403 insufficient_scope (RFC 6750 §3.1)', async () => {
      const tokens = await client.clientCredentialsGrant(basicClient, { scope: 'api:read' });
      const response = await fetch(metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(response.status, 403);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="insufficient_scope"/i);
    });

    test('userinfo claims follow the scopes: openid alone gives no email', async () => {
      const { tokens } = await codeFlow(publicClient, { scope: 'openid' });
      const claims = await client.fetchUserInfo(publicClient, tokens.access_token, client.skipSubjectCheck);
      assert.equal(claims.email, undefined, `no email claim without scope email: ${JSON.stringify(claims)}`);
    });

    test('revocation: the access token stops working; unknown tokens still get 200 (RFC 7009 §2.2)', async () => {
      const { tokens } = await codeFlow(publicClient);
      await client.tokenRevocation(publicClient, tokens.access_token, { token_type_hint: 'refresh_token' });
      assert.equal((await client.tokenIntrospection(basicClient, tokens.access_token)).active, false, 'token_type_hint is a hint, not a filter');
      const userinfo = await fetch(metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(userinfo.status, 401);
      assert.match(userinfo.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/i);
      await client.tokenRevocation(publicClient, 'never-issued');
    });

    test("a client cannot revoke another client's token (RFC 7009 §2.1)", async () => {
      const { tokens } = await codeFlow(publicClient);
      await rejectsWithOAuthError(client.tokenRevocation(basicClient, tokens.access_token), 'unauthorized_client', 'revoking a token of demo-public as demo-confidential');
      assert.equal((await client.tokenIntrospection(basicClient, tokens.access_token)).active, true, 'the token still works');
    });

    test('revoking a refresh token also revokes its access tokens', async () => {
      const { tokens } = await codeFlow(publicClient);
      await client.tokenRevocation(publicClient, tokens.refresh_token);
      assert.equal((await client.tokenIntrospection(basicClient, tokens.refresh_token)).active, false);
      assert.equal((await client.tokenIntrospection(basicClient, tokens.access_token)).active, false);
      await rejectsWithOAuthError(client.refreshTokenGrant(publicClient, tokens.refresh_token), 'invalid_grant', 'a revoked refresh token');
    });
  });

  describe('dynamic client registration (RFC 7591, RFC 7592)', () => {
    test('create with openid-client, use, read, update, delete', async () => {
      const registered = await client.dynamicClientRegistration(
        new URL(mock.issuer),
        {
          client_name: 'interop test client',
          client_uri: 'http://127.0.0.1/about',
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'openid profile email api:read',
        },
        client.ClientSecretBasic(),
        insecure,
      );
      const created = registered.clientMetadata();
      for (const field of ['client_id', 'client_secret', 'client_id_issued_at', 'registration_access_token', 'registration_client_uri']) {
        assert.ok(created[field] !== undefined, `RFC 7591 §3.2.1 / RFC 7592 §3: ${field} in ${JSON.stringify(created)}`);
      }
      assert.ok(created.client_secret_expires_at !== undefined, 'client_secret_expires_at is required with a secret');
      assert.equal(created.client_name, 'interop test client');
      assert.deepEqual(created.redirect_uris, [REDIRECT_URI]);

      // The registered client works at once, through the certified client's auth code.
      const tokens = await client.clientCredentialsGrant(registered, { scope: 'api:read' });
      await jwt.accessToken(tokens.access_token, { clientId: created.client_id });
      const { tokens: codeTokens, nonce } = await codeFlow(registered);
      await jwt.idToken(codeTokens.id_token, { clientId: created.client_id, nonce, accessToken: codeTokens.access_token });

      const manage = (method, body, token = created.registration_access_token) =>
        fetch(created.registration_client_uri, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });

      const read = await manage('GET');
      assert.equal(read.status, 200);
      const current = await read.json();
      assert.equal(current.client_id, created.client_id);
      assert.equal(current.client_name, 'interop test client');
      // RFC 7592 §3: the client information response carries both management fields.
      assert.equal(current.registration_client_uri, created.registration_client_uri);
      assert.ok(current.registration_access_token, 'registration_access_token in the read response');
      assert.deepEqual(current.redirect_uris, [REDIRECT_URI]);

      assert.equal((await manage('GET', undefined, 'wrong-token')).status, 401, 'a wrong registration access token is 401');
      const unknown = await fetch(`${metadata.registration_endpoint}/no-such-client`, { headers: { authorization: `Bearer ${created.registration_access_token}` } });
      assert.equal(unknown.status, 401, 'an unknown client is 401 too: no existence leak (RFC 7592 §2.1)');

      // PUT replaces the whole metadata: fields it leaves out (client_uri) are removed.
      const updated = await manage('PUT', {
        client_id: created.client_id,
        client_name: 'renamed interop client',
        redirect_uris: ['http://127.0.0.1/other-callback'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      assert.equal(updated.status, 200, await updated.clone().text());
      const replaced = await updated.json();
      assert.equal(replaced.registration_client_uri, created.registration_client_uri, 'RFC 7592 §3 in the update response');
      assert.ok(replaced.registration_access_token, 'registration_access_token in the update response');
      assert.equal(replaced.client_name, 'renamed interop client');
      assert.deepEqual(replaced.redirect_uris, ['http://127.0.0.1/other-callback']);
      assert.equal(replaced.client_uri, undefined, 'PUT removed the field it omitted (RFC 7592 §2.2)');
      const reread = await (await manage('GET', undefined, replaced.registration_access_token ?? created.registration_access_token)).json();
      assert.equal(reread.client_name, 'renamed interop client');

      const token = replaced.registration_access_token ?? created.registration_access_token;
      const deleted = await manage('DELETE', undefined, token);
      assert.equal(deleted.status, 204);
      assert.equal((await manage('GET', undefined, token)).status, 401, 'a deleted client is gone');
      assert.equal((await client.tokenIntrospection(basicClient, tokens.access_token)).active, false, "the deleted client's tokens stop working");
      await rejectsWithOAuthError(client.clientCredentialsGrant(registered), 'invalid_client', 'a deleted client authenticating');
    });

    test('a public client registers without a secret', async () => {
      const registered = await client.dynamicClientRegistration(
        new URL(mock.issuer),
        { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] },
        client.None(),
        insecure,
      );
      const created = registered.clientMetadata();
      assert.equal(created.client_secret, undefined);
      assert.equal(created.token_endpoint_auth_method, 'none');
      const { tokens } = await codeFlow(registered);
      await jwt.accessToken(tokens.access_token, { clientId: created.client_id });
    });

    test('bad metadata: fragment in a redirect_uri, relative URI, inconsistent grants, invalid JSON', async () => {
      const register = (body, type = 'application/json') =>
        fetch(metadata.registration_endpoint, { method: 'POST', headers: { 'content-type': type }, body });
      const cases = [
        [{ redirect_uris: ['http://127.0.0.1/cb#fragment'] }, 'invalid_redirect_uri'],
        [{ redirect_uris: ['/relative'] }, 'invalid_redirect_uri'],
        [{ redirect_uris: [REDIRECT_URI], grant_types: ['client_credentials'], response_types: ['code'] }, 'invalid_client_metadata'],
        [{ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'made_up_method' }, 'invalid_client_metadata'],
      ];
      for (const [body, error] of cases) {
        const response = await register(JSON.stringify(body));
        assert.equal(response.status, 400, JSON.stringify(body));
        const answer = await response.json();
        assert.equal(answer.error, error, `${JSON.stringify(body)}: ${JSON.stringify(answer)}`);
        assert.ok(answer.error_description);
      }
      const broken = await register('{"redirect_uris": [');
      assert.equal(broken.status, 400);
      assert.ok((await broken.json()).error);
    });
  });
});

describe('oauthscope mock pages, driven like a browser (no auto-approve)', () => {
  let mock;
  let config;

  before(async () => {
    mock = await startMock({ autoApprove: null });
    config = await client.discovery(new URL(mock.issuer), CONFIDENTIAL_CLIENT, undefined, client.ClientSecretBasic(CONFIDENTIAL_SECRET), insecure);
  });

  after(async () => {
    await mock?.stop();
  });

  test('login and consent pages, then the code exchanges for tokens of the chosen user', async () => {
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const { redirect, pages } = await actAsUser(url, { stopPrefix: REDIRECT_URI, user: 'bob' });
    assert.ok(redirect, `pages reached the redirect_uri: ${pages.join(' -> ')}`);
    assert.ok(pages.length > 1, 'a page was shown before the redirect');
    const tokens = await client.authorizationCodeGrant(config, redirect, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
    assert.match(JSON.stringify(claims).toLowerCase(), /bob/, `the user picked on the login page: ${JSON.stringify(claims)}`);
  });

  test('prompt=none with nobody signed in is login_required, with no page shown (OIDC Core §3.1.2.6)', async () => {
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state,
      prompt: 'none',
    });
    const response = await fetch(url, { redirect: 'manual' });
    assert.ok([302, 303].includes(response.status), `a redirect, not a page: ${response.status}`);
    const location = new URL(response.headers.get('location'));
    assert.ok(['login_required', 'interaction_required', 'consent_required'].includes(location.searchParams.get('error')), location.href);
    assert.equal(location.searchParams.get('state'), state);
    assert.equal(location.searchParams.get('iss'), mock.issuer);
  });

  /** The login, consent and device pages a person sees, with the responses that served them. */
  async function walkEveryPage() {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
    });
    const code = await actAsUser(url, { stopPrefix: REDIRECT_URI });
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const verification = await actAsUser(device.verification_uri, { userCode: device.user_code });
    return [...code.hops, ...verification.hops];
  }

  test('a form POST that carries the user\'s input is answered with 303 or 302, never 307/308 (RFC 9700 §4.12)', async () => {
    const posts = (await walkEveryPage()).filter((hop) => hop.method === 'POST');
    assert.ok(posts.length >= 2, 'the login and consent forms were posted');
    for (const hop of posts) assert.ok(![307, 308].includes(hop.status), `${hop.method} ${hop.url} answered ${hop.status}`);
  });

  test('every page refuses to be framed: X-Frame-Options or CSP frame-ancestors (RFC 9700 §4.16)', async () => {
    const pages = (await walkEveryPage()).filter((hop) => /text\/html/.test(hop.headers.get('content-type') ?? ''));
    assert.ok(pages.length >= 3, 'login, consent and device pages were shown');
    for (const hop of pages) {
      const xfo = hop.headers.get('x-frame-options') ?? '';
      const csp = hop.headers.get('content-security-policy') ?? '';
      assert.ok(/^(deny|sameorigin)$/i.test(xfo.trim()) || /frame-ancestors/i.test(csp), `${hop.method} ${new URL(hop.url).pathname}: no clickjacking protection (X-Frame-Options: ${xfo || 'absent'}; Content-Security-Policy: ${csp || 'absent'})`);
    }
  });

  test('denying consent redirects with access_denied, state and iss', async () => {
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state,
    });
    const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI, decision: 'deny' });
    assert.ok(redirect);
    assert.equal(redirect.searchParams.get('error'), 'access_denied');
    assert.equal(redirect.searchParams.get('state'), state);
    assert.equal(redirect.searchParams.get('iss'), mock.issuer);
  });

  test('device flow: the user enters the code, signs in and approves', async () => {
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' });
    await actAsUser(device.verification_uri, { userCode: device.user_code });
    const tokens = await client.pollDeviceAuthorizationGrant(config, device, undefined, { signal: AbortSignal.timeout(30_000) });
    assert.ok(tokens.access_token);
  });

  test('device flow: denial on the verification page ends polling with access_denied', async () => {
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    await actAsUser(device.verification_uri_complete ?? device.verification_uri, { userCode: device.user_code, decision: 'deny' });
    await rejectsWithOAuthError(
      client.pollDeviceAuthorizationGrant(config, device, undefined, { signal: AbortSignal.timeout(30_000) }),
      'access_denied',
      'the user denied the device',
    );
  });
});

describe('oauthscope mock --config: ES256 signing, short lifetimes, a configured client', () => {
  // RFC 6749 §2.3.1: Basic credentials are form-urlencoded first; a secret with these
  // characters is where clients and servers that skip that step stop understanding each other.
  const SERVICE = { id: 'svc:reports', secret: 'p@ss word+/~:%' };
  let dir;
  let mock;
  let metadata;
  let jwt;
  let service;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oauthscope-mock-config-'));
    const file = join(dir, 'mock.toml');
    await writeFile(
      file,
      [
        'signing_alg = "ES256"',
        '[lifetimes]',
        'authorization_code = 1',
        'access_token = 4',
        'device_poll_interval = 1',
        '[[clients]]',
        `client_id = ${JSON.stringify(SERVICE.id)}`,
        `client_secret = ${JSON.stringify(SERVICE.secret)}`,
        'token_endpoint_auth_methods = ["client_secret_basic"]',
        'redirect_uris = ["http://127.0.0.1/callback"]',
        '',
      ].join('\n'),
    );
    mock = await startMock({ autoApprove: 'alice', extraArgs: ['--config', file] });
    service = await client.discovery(new URL(mock.issuer), SERVICE.id, undefined, client.ClientSecretBasic(SERVICE.secret), insecure);
    metadata = service.serverMetadata();
    jwt = new JwtChecker(metadata);
  });

  after(async () => {
    await mock?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('tokens are signed ES256 with the published EC key; jose verifies them', async () => {
    const { tokens, nonce } = await codeFlowWith(service, { scope: 'openid profile' });
    for (const token of [tokens.access_token, tokens.id_token]) {
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, 'ES256');
      const { keys } = await (await fetch(metadata.jwks_uri)).json();
      const key = keys.find((k) => k.kid === header.kid);
      assert.equal(key?.kty, 'EC', 'the kid names the EC key');
    }
    await jwt.accessToken(tokens.access_token, { clientId: SERVICE.id });
    await jwt.idToken(tokens.id_token, { clientId: SERVICE.id, nonce, accessToken: tokens.access_token });
    assert.ok((metadata.id_token_signing_alg_values_supported ?? []).includes('ES256'));
  });

  test('a secret with reserved characters over client_secret_basic (RFC 6749 §2.3.1)', async () => {
    const tokens = await client.clientCredentialsGrant(service, { scope: 'api:read' });
    await jwt.accessToken(tokens.access_token, { clientId: SERVICE.id });
    // The same secret without the form-urlencoding step is a different secret.
    const raw = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${SERVICE.id}:${SERVICE.secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(raw.status, 401, 'unencoded credentials do not match');
  });

  test('client_secret_post is refused for a client registered for Basic only', async () => {
    const post = await client.discovery(new URL(mock.issuer), SERVICE.id, undefined, client.ClientSecretPost(SERVICE.secret), insecure);
    await rejectsWithOAuthError(client.clientCredentialsGrant(post), 'invalid_client', 'an auth method the client is not registered for');
  });

  test('an expired authorization code is invalid_grant', async () => {
    const { redirect, codeVerifier, state } = await authorizeOnly(service);
    await sleep(2500);
    await rejectsWithOAuthError(
      client.authorizationCodeGrant(service, redirect, { pkceCodeVerifier: codeVerifier, expectedState: state }),
      'invalid_grant',
      'a code past its 1 s lifetime',
    );
  });

  test('an expired access token: introspection says inactive, userinfo says invalid_token', async () => {
    const tokens = await client.clientCredentialsGrant(service, { scope: 'api:read' });
    const { tokens: user } = await codeFlowWith(service, { scope: 'openid' });
    assert.ok(tokens.expires_in <= 4, `expires_in follows the configured lifetime: ${tokens.expires_in}`);
    assert.equal((await client.tokenIntrospection(service, tokens.access_token)).active, true);
    await sleep(5000);
    assert.deepEqual(await client.tokenIntrospection(service, tokens.access_token), { active: false }, 'RFC 7662 §2.2: expired is inactive, nothing more');
    const userinfo = await fetch(metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${user.access_token}` } });
    assert.equal(userinfo.status, 401);
    assert.match(userinfo.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  test('the configured poll interval reaches the client (RFC 8628 §3.2)', async () => {
    const device = await client.initiateDeviceAuthorization(service, { scope: 'openid' });
    assert.equal(device.interval, 1);
    await actAsUser(device.verification_uri, { userCode: device.user_code });
    const tokens = await client.pollDeviceAuthorizationGrant(service, device, undefined, { signal: AbortSignal.timeout(15_000) });
    await jwt.accessToken(tokens.access_token, { clientId: SERVICE.id });
  });
});

/** A JSON value as a TOML inline value (for the keys written into a mock config). */
function toml(value) {
  if (Array.isArray(value)) return `[${value.map(toml).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{ ${Object.entries(value).map(([k, v]) => `${k} = ${toml(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

describe('oauthscope mock --config: private_key_jwt, request objects and the JWT bearer grant', () => {
  const KEY_APP = 'pkjwt-app';
  const TRUSTED = 'https://idp.example';
  let dir;
  let mock;
  let jwt;
  let appKey;
  let idpKey;
  let app;

  before(async () => {
    const publicJwk = async (pair, kid) => ({ ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' });
    appKey = { pair: await generateKeyPair('ES256'), kid: 'app-1' };
    idpKey = { pair: await generateKeyPair('ES256'), kid: 'idp-1' };
    dir = await mkdtemp(join(tmpdir(), 'oauthscope-mock-assertions-'));
    const file = join(dir, 'mock.toml');
    await writeFile(
      file,
      [
        'require_signed_request_object = true',
        '[[trusted_issuers]]',
        `issuer = ${JSON.stringify(TRUSTED)}`,
        `jwks = ${toml({ keys: [await publicJwk(idpKey.pair, idpKey.kid)] })}`,
        '[[clients]]',
        `client_id = ${JSON.stringify(KEY_APP)}`,
        'token_endpoint_auth_methods = ["private_key_jwt"]',
        'redirect_uris = ["http://127.0.0.1/callback"]',
        `jwks = ${toml({ keys: [await publicJwk(appKey.pair, appKey.kid)] })}`,
        '',
      ].join('\n'),
    );
    mock = await startMock({ autoApprove: 'alice', extraArgs: ['--config', file] });
    app = await client.discovery(new URL(mock.issuer), KEY_APP, undefined, client.PrivateKeyJwt({ key: appKey.pair.privateKey, kid: appKey.kid }), insecure);
    jwt = new JwtChecker(app.serverMetadata());
  });

  after(async () => {
    await mock?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('openid-client authenticates with private_key_jwt; the mock advertises it', async () => {
    const metadata = app.serverMetadata();
    assert.ok(metadata.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
    assert.ok(metadata.token_endpoint_auth_signing_alg_values_supported.includes('ES256'));
    const tokens = await client.clientCredentialsGrant(app, { scope: 'api:read' });
    await jwt.accessToken(tokens.access_token, { clientId: KEY_APP, scope: 'api:read' });
    // Introspection authenticates the same way (a fresh assertion: each jti is single use).
    assert.equal((await client.tokenIntrospection(app, tokens.access_token)).active, true);
  });

  test('openid-client signs a request object (JAR); the mock, which requires one, verifies it', async () => {
    assert.equal(app.serverMetadata().require_signed_request_object, true);
    const { tokens, nonce } = await codeFlowWith(app, { scope: 'openid', jar: { key: appKey.pair.privateKey, kid: appKey.kid } });
    await jwt.idToken(tokens.id_token, { clientId: KEY_APP, nonce, accessToken: tokens.access_token });
    // A plain authorization request is refused at this server.
    const plain = client.buildAuthorizationUrl(app, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const refused = await fetch(plain, { redirect: 'manual' });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /require_signed_request_object/);
  });

  test('the JWT bearer grant: a trusted issuer\'s assertion (jose) becomes a token for its subject', async () => {
    const demo = await client.discovery(new URL(mock.issuer), CONFIDENTIAL_CLIENT, undefined, client.ClientSecretBasic(CONFIDENTIAL_SECRET), insecure);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: idpKey.kid })
      .setIssuer(TRUSTED)
      .setSubject('bob')
      .setAudience(mock.issuer)
      .setIssuedAt()
      .setExpirationTime('2m')
      .setJti(client.randomState())
      .sign(idpKey.pair.privateKey);
    const tokens = await client.genericGrantRequest(demo, 'urn:ietf:params:oauth:grant-type:jwt-bearer', { assertion, scope: 'api:read' });
    const payload = await jwt.accessToken(tokens.access_token, { clientId: CONFIDENTIAL_CLIENT, scope: 'api:read' });
    assert.equal(payload.sub, 'bob');
    assert.equal(tokens.refresh_token, undefined);
    await rejectsWithOAuthError(
      client.genericGrantRequest(demo, 'urn:ietf:params:oauth:grant-type:jwt-bearer', { assertion }),
      'invalid_grant',
      'the same assertion (jti) twice',
    );
  });
});

describe('oauthscope mock --issuer with a path (a tenant URL)', () => {
  let mock;

  before(async () => {
    mock = await startMock({ issuerPath: '/tenant' });
  });

  after(async () => {
    await mock?.stop();
  });

  test('metadata is where OIDC Discovery §4 and RFC 8414 §3.1 put it, and its endpoints answer', async () => {
    const oidc = await fetch(`${mock.issuer}/.well-known/openid-configuration`);
    assert.equal(oidc.status, 200, `GET ${mock.issuer}/.well-known/openid-configuration (OIDC Discovery §4: issuer + /.well-known/openid-configuration)`);
    const rfc8414 = await fetch(`${new URL(mock.issuer).origin}/.well-known/oauth-authorization-server/tenant`);
    assert.equal(rfc8414.status, 200, 'RFC 8414 §3.1: the well-known part goes between host and path');
    const config = await client.discovery(new URL(mock.issuer), CONFIDENTIAL_CLIENT, undefined, client.ClientSecretBasic(CONFIDENTIAL_SECRET), insecure);
    assert.equal(config.serverMetadata().issuer, mock.issuer);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read' });
    await new JwtChecker(config.serverMetadata()).accessToken(tokens.access_token, { clientId: CONFIDENTIAL_CLIENT });
  });
});
