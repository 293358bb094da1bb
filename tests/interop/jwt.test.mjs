// `oauthscope decode` cross-checked with jose 6: jose makes the keys and signs the tokens,
// for every algorithm oauthscope supports; oauthscope must accept each genuine token and
// refuse each tampered one (non-zero exit, with a reason a person can read).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { OAUTHSCOPE_BIN, assertBinaryExists, describeRun, runCli } from './lib/oauthscope.mjs';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
const SYMMETRIC = ['HS256', 'HS384', 'HS512'];
// Long enough for HS512 (RFC 7518 §3.2: a key at least the size of the hash output).
const HMAC_SECRET = 'interop-hmac-secret-that-is-long-enough-for-hs512-0123456789abcdef';
const ISSUER = 'https://issuer.interop.test';
const AUDIENCE = 'interop-audience';

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Deep search of a JSON document for `key` with `value` (the decode output shape is free). */
function containsEntry(doc, key, value) {
  if (doc === null || typeof doc !== 'object') return false;
  if (Object.hasOwn(doc, key) && doc[key] === value) return true;
  return Object.values(doc).some((v) => containsEntry(v, key, value));
}

describe('oauthscope decode against tokens made by jose', () => {
  let dir;
  let jwksFile;
  const keys = {};

  before(async () => {
    assertBinaryExists();
    dir = await mkdtemp(join(tmpdir(), 'oauthscope-jwt-'));
    const published = [];
    for (const alg of ASYMMETRIC) {
      const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
      const kid = `jose-${alg.toLowerCase()}`;
      keys[alg] = { ...pair, kid };
      published.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
    }
    jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: published }, null, 2));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function claims(extra = {}) {
    return { sub: 'interop-subject', scope: 'openid profile', ...extra };
  }

  async function sign(alg, { payload = claims(), header = {}, key, exp = '10m', nbf } = {}) {
    const signingKey = key ?? (SYMMETRIC.includes(alg) ? new TextEncoder().encode(HMAC_SECRET) : keys[alg].privateKey);
    const kid = SYMMETRIC.includes(alg) ? undefined : keys[alg]?.kid;
    let jwt = new SignJWT(payload)
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}), ...header })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(crypto.randomUUID());
    if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
    if (nbf !== undefined) jwt = jwt.setNotBefore(nbf);
    return jwt.sign(signingKey);
  }

  const decode = (token, extra) => runCli(['decode', token, ...extra, '--json']);
  const withJwks = () => ['--jwks', jwksFile];
  const withSecret = () => ['--secret', HMAC_SECRET];

  async function expectAccepted(token, extra) {
    const run = await decode(token, extra);
    assert.equal(run.code, 0, `a genuine token is accepted\n${describeRun(run)}`);
    assert.ok(run.json, `--json prints one JSON document\n${describeRun(run)}`);
    assert.ok(containsEntry(run.json, 'sub', 'interop-subject'), `the decoded claims are in the output\n${describeRun(run)}`);
    return run;
  }

  async function expectRefused(token, extra, reason) {
    const run = await decode(token, extra);
    assert.notEqual(run.code, 0, `a bad token is refused\n${describeRun(run)}`);
    // The reason is the one line on stderr (stdout holds the JSON document, which names
    // every check whatever its verdict, so it proves nothing here).
    assert.match(run.stderr, reason, `the refusal says why in words\n${describeRun(run)}`);
    return run;
  }

  describe('genuine tokens verify', () => {
    for (const alg of ASYMMETRIC) {
      test(`${alg} against a JWKS file, key chosen by kid`, async () => {
        await expectAccepted(await sign(alg), withJwks());
      });
    }
    for (const alg of SYMMETRIC) {
      test(`${alg} with --secret`, async () => {
        await expectAccepted(await sign(alg), withSecret());
      });
    }
  });

  describe('tampered tokens are refused', () => {
    for (const alg of [...ASYMMETRIC, ...SYMMETRIC]) {
      const args = () => (SYMMETRIC.includes(alg) ? withSecret() : withJwks());

      test(`${alg}: one flipped payload byte`, async () => {
        const [header, payload, signature] = (await sign(alg)).split('.');
        const json = Buffer.from(payload, 'base64url').toString();
        const forged = b64url(json.replace('interop-subject', 'interop-subjecu'));
        assert.notEqual(forged, payload);
        await expectRefused(`${header}.${forged}.${signature}`, args(), /signature/i);
      });

      test(`${alg}: signature taken from another token`, async () => {
        const [header, payload] = (await sign(alg)).split('.');
        const other = (await sign(alg, { payload: claims({ sub: 'someone-else' }) })).split('.')[2];
        await expectRefused(`${header}.${payload}.${other}`, args(), /signature/i);
      });

      test(`${alg}: expired exp`, async () => {
        await expectRefused(await sign(alg, { exp: Math.floor(Date.now() / 1000) - 3600 }), args(), /exp/i);
      });

      test(`${alg}: nbf in the future`, async () => {
        await expectRefused(await sign(alg, { nbf: Math.floor(Date.now() / 1000) + 3600 }), args(), /nbf|not (yet )?valid|not before|before/i);
      });
    }

    test('alg none is refused even with no signature to check', async () => {
      const payload = b64url({ ...claims(), iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600 });
      for (const header of [{ alg: 'none', typ: 'JWT' }, { alg: 'none', kid: keys.RS256.kid }, { alg: 'NONE' }]) {
        const token = `${b64url(header)}.${payload}.`;
        await expectRefused(token, withJwks(), /none|alg/i);
        await expectRefused(token, withSecret(), /none|alg/i);
      }
    });

    test('HS256 signed with the RSA public key as the HMAC secret (alg confusion)', async () => {
      const pem = await exportSPKI(keys.RS256.publicKey);
      const payload = b64url({ ...claims(), iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600 });
      for (const header of [{ alg: 'HS256', typ: 'JWT', kid: keys.RS256.kid }, { alg: 'HS256', typ: 'JWT' }]) {
        const signingInput = `${b64url(header)}.${payload}`;
        for (const secret of [pem, pem.trim()]) {
          const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
          await expectRefused(`${signingInput}.${signature}`, withJwks(), /alg|key|HS256|symmetric|mismatch/i);
        }
      }
    });

    test('a kid that names an RSA key on an ES256 token (key/alg mismatch)', async () => {
      const token = await sign('ES256', { header: { kid: keys.RS256.kid } });
      await expectRefused(token, withJwks(), /alg|key|mismatch|kty/i);
    });

    test('an unknown kid', async () => {
      const stranger = await generateKeyPair('RS256', { extractable: true });
      const token = await sign('RS256', { key: stranger.privateKey, header: { kid: 'not-in-the-jwks' } });
      await expectRefused(token, withJwks(), /kid|key/i);
    });

    test('RS256 signed by a different key under a published kid', async () => {
      const stranger = await generateKeyPair('RS256', { extractable: true });
      const token = await sign('RS256', { key: stranger.privateKey });
      await expectRefused(token, withJwks(), /signature/i);
    });

    test('an HS256 token with the wrong secret', async () => {
      const token = await sign('HS256');
      await expectRefused(token, ['--secret', `${HMAC_SECRET}-but-wrong`], /signature/i);
    });

    test('a string that is not a JWT', async () => {
      await expectRefused('not.a.jwt', withJwks(), /base64|json|jwt|decode|invalid|header/i);
      await expectRefused('onlyonepart', withJwks(), /jwt|part|segment|compact|invalid|format/i);
    });
  });

  describe('a JWKS served over HTTP', () => {
    let server;
    let jwksUrl;
    let served;
    let fresh;

    before(async () => {
      // The first answer is the set without the newest key, as a cache would hold it before a
      // rotation; every later answer has it (RFC 7517; refetch once on an unknown kid).
      fresh = await generateKeyPair('ES256', { extractable: true });
      const freshJwk = { ...(await exportJWK(fresh.publicKey)), kid: 'rotated-in', alg: 'ES256', use: 'sig' };
      const old = JSON.parse(await readFile(jwksFile, 'utf8'));
      served = 0;
      server = createServer((_req, res) => {
        served += 1;
        const keys = served === 1 ? old.keys : [...old.keys, freshJwk];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys }));
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${server.address().port}/jwks`;
    });

    after(() => new Promise((resolve) => server.close(resolve)));

    test('a kid the first fetch lacked is found by fetching the JWKS once more', async () => {
      const token = await sign('ES256', { key: fresh.privateKey, header: { kid: 'rotated-in' } });
      await expectAccepted(token, ['--jwks', jwksUrl]);
      assert.equal(served, 2, 'one fetch, then exactly one refetch');
    });

    test('a kid missing after the refetch is refused, without fetching in a loop', async () => {
      served = 1;
      const stranger = await generateKeyPair('ES256', { extractable: true });
      const token = await sign('ES256', { key: stranger.privateKey, header: { kid: 'never-published' } });
      await expectRefused(token, ['--jwks', jwksUrl], /kid|key/i);
      assert.ok(served <= 3, `at most one refetch (${served - 1} requests)`);
    });
  });

  test('output into a closed pipe (as in `| head`) ends without a panic', async () => {
    const token = await sign('RS256');
    const child = spawn(OAUTHSCOPE_BIN, ['decode', token, '--jwks', jwksFile, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes away before oauthscope writes, as `head` does after its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)));
    assert.doesNotMatch(stderr, /panicked/, `a closed stdout is not a crash (exit ${code})\n${stderr.slice(0, 600)}`);
  });

  describe('RFC 7520 §4.1 and §4.4: the RS256 and HS256 example signatures', () => {
    // RFC 7520 §3.4 (RSA public key), §3.5 (symmetric key), and the payload of §4: a quote, not JSON claims.
    const payload = 'SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4';
    const rsaKey = {
      kty: 'RSA',
      kid: 'bilbo.baggins@hobbiton.example',
      use: 'sig',
      n: 'n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw',
      e: 'AQAB',
    };
    const octKey = { kty: 'oct', kid: '018c0ae5-4d9b-471b-bfd6-eef314bc7037', use: 'sig', alg: 'HS256', k: 'hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg' };
    const rs256 = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.${payload}.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg`;
    const hs256 = `eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.${payload}.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0`;
    let file;

    before(async () => {
      file = join(dir, 'rfc7520.json');
      await writeFile(file, JSON.stringify({ keys: [rsaKey, octKey] }));
    });

    for (const [name, jws] of [['RS256 (§4.1)', () => rs256], ['HS256 with a JWK oct key (§4.4)', () => hs256]]) {
      test(`${name} verifies; with one payload character changed it does not`, async () => {
        const run = await decode(jws(), ['--jwks', file]);
        assert.equal(run.code, 0, describeRun(run));
        const [header, body, signature] = jws().split('.');
        const changed = `${header}.${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}.${signature}`;
        await expectRefused(changed, ['--jwks', file], /signature/i);
      });
    }
  });

  describe('RFC 8037 Appendix A.4: the Ed25519 example signature', () => {
    test('verifies against the RFC public key', async () => {
      const file = join(dir, 'rfc8037.json');
      await writeFile(file, JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] }));
      const jws = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
      const run = await decode(jws, ['--jwks', file]);
      assert.equal(run.code, 0, `RFC 8037 A.4 verifies (payload "Example of Ed25519 signing" is not JSON claims)\n${describeRun(run)}`);
      const [header, payload, signature] = jws.split('.');
      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
      const bad = await decode(`${header}.${payload}.${flipped}`, ['--jwks', file]);
      assert.notEqual(bad.code, 0, `a changed signature byte fails\n${describeRun(bad)}`);
    });
  });
});
