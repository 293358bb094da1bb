// Measures `oauthscope mock`, npm oidc-provider and npm oauth2-mock-server one at a time, in
// one run, on loopback, with equivalent clients, and prints one Markdown table with ratios.
// Started by scripts/bench-servers.sh (run by hand, not in CI), which builds the release
// binary and installs this folder's packages first.
//
//   node scripts/bench/run.mjs OAUTHSCOPE_BIN [--duration 10] [--starts 10] [--flows 100] [--only]
//
// `--only` measures oauthscope's mock alone (while working on its speed).
//
// For each server: process start to first answered request (median of --starts spawns),
// resident memory idle and after load, client-credentials token requests per second with
// wrk (RS256, and ES256), GET of its JWKS per second (the same process's HTTP ceiling), and
// the latency of a full authorization code + PKCE flow as a scripted person at the browser
// (the interop suite's user agent: login and consent pages where the server has them).

import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actAsUser } from '../../tests/interop/lib/browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [bin, ...rest] = process.argv.slice(2);
if (!bin) {
  console.error('usage: node scripts/bench/run.mjs OAUTHSCOPE_BIN [--duration S] [--starts N] [--flows N] [--only]');
  process.exit(2);
}
const option = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const DURATION_S = option('duration', 10);
const STARTS = option('starts', 10);
const FLOWS = option('flows', 100);
const CONNECTIONS = 32;
const REDIRECT_URI = 'http://127.0.0.1/callback';
const work = mkdtempSync(join(tmpdir(), 'oauthscope-bench-'));

/** The three servers, each started as its own process on a given port with a given alg. */
const SERVERS = [
  {
    name: 'oauthscope mock',
    command: (port, alg) => {
      const config = join(work, `mock-${alg}.toml`);
      writeFileSync(config, `signing_alg = "${alg}"\n`);
      return [bin, ['mock', '--port', String(port), '--config', config]];
    },
    metadata: '/.well-known/oauth-authorization-server',
    confidential: { id: 'demo-confidential', secret: 'demo-secret' },
    public: 'demo-public',
  },
  {
    name: 'oidc-provider',
    command: (port, alg) => [process.execPath, [join(here, 'servers', 'oidc-provider.mjs'), String(port), alg]],
    metadata: '/.well-known/openid-configuration',
    confidential: { id: 'bench-confidential', secret: 'bench-secret' },
    public: 'bench-public',
  },
  {
    name: 'oauth2-mock-server',
    command: (port, alg) => [process.execPath, [join(here, 'servers', 'oauth2-mock-server.mjs'), String(port), alg]],
    metadata: '/.well-known/openid-configuration',
    confidential: { id: 'bench-confidential', secret: 'bench-secret' },
    public: 'bench-public',
  },
];

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/** Starts a server; resolves once its metadata answers 200, with the milliseconds it took. */
async function start(server, alg, logName) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const [command, args] = server.command(port, alg);
  // Servers log to a file, as they would in CI: a terminal would measure the terminal.
  const log = openSync(join(work, logName), 'a');
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', log, log] });
  let exited;
  child.once('exit', (code) => (exited = code));
  for (let attempt = 0; attempt < 20_000; attempt++) {
    if (exited !== undefined) throw new Error(`${server.name} exited (${exited}); see ${join(work, logName)}`);
    try {
      const response = await fetch(`${issuer}${server.metadata}`);
      await response.arrayBuffer();
      if (response.ok) return { child, issuer, startMs: performance.now() - started };
    } catch {
      // Not listening yet.
    }
    await sleep(1);
  }
  child.kill('SIGKILL');
  throw new Error(`${server.name} did not answer within 20 s`);
}

async function stop({ child }) {
  if (child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([gone, sleep(3000).then(() => child.kill('SIGKILL'))]);
  await gone;
}

function residentMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]);
  return kib / 1024;
}

function basic({ id, secret }) {
  const encode = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

/** One token request first, to be sure every server does the same work: a JWT of `alg`. */
async function checkToken(issuer, server, alg) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic(server.confidential), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${server.name}: client credentials answered ${response.status} ${JSON.stringify(body)}`);
  const header = JSON.parse(Buffer.from(body.access_token.split('.')[0], 'base64url'));
  if (header.alg !== alg) throw new Error(`${server.name}: the access token is ${header.alg}, not ${alg}`);
}

function wrk(url, lua) {
  const script = join(work, 'wrk.lua');
  writeFileSync(script, lua);
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '-s', script, url];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (DURATION_S + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err);
      const rate = Number(stdout.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
      const bad = Number(stdout.match(/Non-2xx or socket errors: (\d+)/)?.[1] ?? 0);
      if (!rate) return reject(new Error(`wrk printed no rate:\n${stdout}`));
      if (bad > 0) return reject(new Error(`${bad} failed requests against ${url}:\n${stdout}`));
      resolve(rate);
    });
  });
}

const tokenLua = (server) => `wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "${basic(server.confidential)}"
`;

async function jwksUri(issuer, server) {
  const metadata = await (await fetch(`${issuer}${server.metadata}`)).json();
  return metadata.jwks_uri;
}

/** One authorization code + PKCE flow, as a person at the browser; the milliseconds it took. */
async function codeFlow(issuer, server, endpoints) {
  const started = performance.now();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(endpoints.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: server.public,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const { redirect, hops } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
  const code = redirect?.searchParams.get('code');
  if (!code) throw new Error(`${server.name}: no code on the redirect (${redirect})`);
  const response = await fetch(endpoints.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: server.public, redirect_uri: REDIRECT_URI }),
  });
  const body = await response.json();
  if (!response.ok || !body.access_token) throw new Error(`${server.name}: code exchange answered ${response.status} ${JSON.stringify(body)}`);
  // The browser's requests plus the token request: the pages a server shows differ.
  return { ms: performance.now() - started, requests: hops.length + 1 };
}

async function measure(server) {
  const result = { name: server.name };
  const starts = [];
  for (let i = 0; i < STARTS; i++) {
    const running = await start(server, 'RS256', 'start.log');
    starts.push(running.startMs);
    await stop(running);
  }
  result.startMs = median(starts);
  for (const alg of ['RS256', 'ES256']) {
    const running = await start(server, alg, `${server.name}-${alg}.log`);
    await sleep(1000);
    if (alg === 'RS256') result.idleMiB = residentMiB(running.child.pid);
    await checkToken(running.issuer, server, alg);
    result[`cc${alg}`] = await wrk(`${running.issuer}/token`, tokenLua(server));
    if (alg === 'RS256') {
      result.loadedMiB = residentMiB(running.child.pid);
      result.jwks = await wrk(await jwksUri(running.issuer, server), '');
      const endpoints = await (await fetch(`${running.issuer}${server.metadata}`)).json();
      const flows = [];
      for (let i = 0; i < FLOWS; i++) flows.push(await codeFlow(running.issuer, server, endpoints));
      const times = flows.map((f) => f.ms);
      result.flowMs = median(times);
      result.flowP95Ms = percentile(times, 0.95);
      result.flowRequests = flows[0].requests;
    }
    await stop(running);
  }
  return result;
}

const results = [];
for (const server of rest.includes('--only') ? SERVERS.slice(0, 1) : SERVERS) {
  console.error(`measuring ${server.name} ...`);
  results.push(await measure(server));
}
rmSync(work, { recursive: true, force: true });

const ours = results[0];
const fixed = (x, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (mine, theirs, higherIsBetter) => {
  const r = higherIsBetter ? mine / theirs : theirs / mine;
  return `${r.toFixed(1)}×`;
};
const rows = [
  ['start to first answer, median of ' + STARTS, (r) => `${fixed(r.startMs, 1)} ms`, 'startMs', false],
  ['resident memory, idle', (r) => `${fixed(r.idleMiB, 1)} MiB`, 'idleMiB', false],
  ['resident memory, after load', (r) => `${fixed(r.loadedMiB, 1)} MiB`, 'loadedMiB', false],
  ['client credentials, RS256', (r) => `${fixed(r.ccRS256)} req/s`, 'ccRS256', true],
  ['client credentials, ES256', (r) => `${fixed(r.ccES256)} req/s`, 'ccES256', true],
  ['GET JWKS', (r) => `${fixed(r.jwks)} req/s`, 'jwks', true],
  ['code + PKCE flow, median of ' + FLOWS, (r) => `${fixed(r.flowMs, 2)} ms`, 'flowMs', false],
  ['code + PKCE flow, p95', (r) => `${fixed(r.flowP95Ms, 2)} ms`, 'flowP95Ms', false],
  ['HTTP requests in one flow (login and consent pages)', (r) => String(r.flowRequests), undefined],
];
const others = results.slice(1);
const header = ['', ...results.map((r) => r.name), ...others.map((r) => `oauthscope vs ${r.name}`)];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const [label, show, key, higherIsBetter] of rows) {
  const ratios = key ? others.map((r) => ratio(ours[key], r[key], higherIsBetter)) : others.map(() => '');
  const cells = [label, ...results.map(show), ...ratios];
  lines.push(`| ${cells.join(' | ')} |`);
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
  `wrk -t2 -c${CONNECTIONS} -d${DURATION_S}s, Node ${process.version}. Ratios: how many times better oauthscope is (higher is better).`);
console.log('');
console.log(lines.join('\n'));
console.log('');
console.log(`ES256 token path / own JWKS rate (oauthscope): ${((ours.ccES256 / ours.jwks) * 100).toFixed(0)} %`);
