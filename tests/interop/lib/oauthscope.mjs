// Running the oauthscope binary under test: the CLI (one process per command, stdout and
// stderr captured) and the standalone mock server (spawned on a free loopback port).

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The binary under test: $OAUTHSCOPE_BIN, else the debug build of this checkout. */
export const OAUTHSCOPE_BIN = process.env.OAUTHSCOPE_BIN ?? resolve(repoRoot, 'target', 'debug', 'oauthscope');

export function assertBinaryExists() {
  if (!existsSync(OAUTHSCOPE_BIN)) {
    throw new Error(`oauthscope binary not found at ${OAUTHSCOPE_BIN}: run \`cargo build\` or set OAUTHSCOPE_BIN`);
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; we release it for the child to bind). */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Run `oauthscope ARGS...` to completion. Resolves `{ code, stdout, stderr, json }` where
 * `json` is stdout parsed when it is JSON (undefined otherwise). Never rejects on a
 * non-zero exit: tests assert on the code.
 */
export function runCli(args, { env = {}, timeoutMs = 60_000 } = {}) {
  return spawnCli(args, { env, timeoutMs }).done;
}

/** Human-readable summary of a CLI run, for assertion messages. */
export function describeRun(run) {
  return `exit ${run.code}\n--- stdout ---\n${run.stdout.slice(0, 4000)}\n--- stderr ---\n${run.stderr.slice(0, 4000)}`;
}

/** Poll `url` until it answers 200 (any status with `anyStatus`), or fail after `timeoutMs`. */
async function waitForHttp(url, { timeoutMs = 15_000, isAlive = () => true, diagnostics = () => '', anyStatus = false } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`server exited before answering ${url}\n${diagnostics()}`);
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok || anyStatus) return;
      lastError = new Error(`status ${response.status}`);
    } catch (err) {
      lastError = err;
    }
    await sleep(50);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${lastError?.message})\n${diagnostics()}`);
}

/**
 * Start `oauthscope mock --port N --auto-approve USER` and wait until its metadata answers.
 * With `issuerPath` (e.g. `/tenant`) the mock is told an issuer with that path, and waiting
 * is only for the server to answer at all. Returns `{ issuer, port, output(), stop() }`.
 */
export async function startMock({ autoApprove = 'alice', extraArgs = [], issuerPath = '' } = {}) {
  assertBinaryExists();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}${issuerPath}`;
  const args = [
    'mock',
    '--port',
    String(port),
    ...(issuerPath ? ['--issuer', issuer] : []),
    ...(autoApprove ? ['--auto-approve', autoApprove] : []),
    ...extraArgs,
  ];
  const child = spawn(OAUTHSCOPE_BIN, args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`, {
      isAlive: () => !exited,
      diagnostics: () => `oauthscope ${args.join(' ')} said:\n${output}`,
      anyStatus: Boolean(issuerPath),
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    issuer,
    port,
    output: () => output,
    stop: () =>
      new Promise((done) => {
        if (exited) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Start `oauthscope ARGS...` and hand back the live process: `waitFor(regex)` resolves with
 * the first match in stderr+stdout seen so far or later (for prompts such as the device
 * user_code), `done` resolves like `runCli`. With `stdin: true`, `child.stdin` is open for input.
 */
export function spawnCli(args, { env = {}, timeoutMs = 90_000, stdin = false } = {}) {
  const child = spawn(OAUTHSCOPE_BIN, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = [];
  const notify = () => {
    for (const watcher of [...watchers]) {
      const match = `${stderr}\n${stdout}`.match(watcher.regex);
      if (match) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(match);
      }
    }
  };
  child.stdout.on('data', (d) => {
    stdout += d;
    notify();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    notify();
  });
  const done = new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`oauthscope ${args.join(' ')} timed out after ${timeoutMs} ms\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const watcher of watchers.splice(0)) watcher.reject(new Error(`oauthscope exited before printing ${watcher.regex}\nstdout: ${stdout}\nstderr: ${stderr}`));
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolveRun({ code: code ?? `signal ${signal}`, stdout, stderr, json });
    });
  });
  return {
    child,
    done,
    waitFor: (regex) =>
      new Promise((resolveMatch, reject) => {
        watchers.push({ regex, resolve: resolveMatch, reject });
        notify();
      }),
  };
}

/** Every value stored under `key` anywhere in a JSON document (output shapes stay free). */
export function findValues(doc, key, found = []) {
  if (doc === null || typeof doc !== 'object') return found;
  if (!Array.isArray(doc) && Object.hasOwn(doc, key)) found.push(doc[key]);
  for (const value of Object.values(doc)) findValues(value, key, found);
  return found;
}
