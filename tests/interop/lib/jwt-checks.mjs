// Checks of the JWTs a server issues, done with jose (an independent, widely used
// implementation): signature against the server's published JWKS, then the claims that
// RFC 9068 (access tokens) and OIDC Core §2 / §3.1.3.6 (ID tokens) require.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

const HASH_FOR_ALG = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

/** OIDC Core §3.1.3.6: at_hash is the left half of the hash of the access token, base64url. */
export function atHash(accessToken, alg) {
  const hash = alg === 'EdDSA' ? 'sha512' : HASH_FOR_ALG[alg.slice(-3)];
  assert.ok(hash, `no at_hash hash function known for alg ${alg}`);
  const digest = createHash(hash).update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export class JwtChecker {
  constructor(metadata) {
    this.issuer = metadata.issuer;
    this.jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  }

  /** RFC 9068 §2: header typ at+jwt, signed with a published key, and the required claims. */
  async accessToken(token, { clientId, scope } = {}) {
    const header = decodeProtectedHeader(token);
    assert.ok(header.kid, `access token header has a kid: ${JSON.stringify(header)}`);
    assert.notEqual(header.alg, 'none');
    const { payload, protectedHeader } = await jwtVerify(token, this.jwks, { issuer: this.issuer, typ: 'at+jwt' });
    assert.match(protectedHeader.typ, /^(application\/)?at\+jwt$/i);
    for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
      assert.ok(payload[claim] !== undefined, `RFC 9068 §2.2 claim "${claim}" present in ${JSON.stringify(payload)}`);
    }
    if (clientId) assert.equal(payload.client_id, clientId);
    if (scope) assert.deepEqual(new Set(payload.scope.split(' ')), new Set(scope.split(' ')));
    return payload;
  }

  /** OIDC Core §2 and §3.1.3.7: signature, iss, aud, exp, iat, nonce, azp, at_hash. */
  async idToken(token, { clientId, nonce, accessToken, sub }) {
    const header = decodeProtectedHeader(token);
    assert.ok(header.kid, `ID token header has a kid: ${JSON.stringify(header)}`);
    const { payload, protectedHeader } = await jwtVerify(token, this.jwks, { issuer: this.issuer, audience: clientId });
    for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat']) {
      assert.ok(payload[claim] !== undefined, `OIDC Core §2 claim "${claim}" present in ${JSON.stringify(payload)}`);
    }
    if (nonce !== undefined) assert.equal(payload.nonce, nonce, 'ID token nonce equals the one sent to /authorize');
    if (sub !== undefined) assert.equal(payload.sub, sub);
    if (Array.isArray(payload.aud) && payload.aud.length > 1) assert.equal(payload.azp, clientId, 'azp is the client when aud has several values');
    if (payload.azp !== undefined) assert.equal(payload.azp, clientId);
    if (accessToken !== undefined && payload.at_hash !== undefined) {
      assert.equal(payload.at_hash, atHash(accessToken, protectedHeader.alg), 'at_hash matches the access token');
    }
    return payload;
  }
}
