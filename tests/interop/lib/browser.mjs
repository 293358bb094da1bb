// A scripted user agent: it plays the person at the browser. It keeps cookies, follows
// redirects by hand, and submits the HTML forms a server shows (login, consent, device
// verification) the way a person clicking "approve" (or "deny") would. Regex parsing is
// enough here: the pages are small and generated, and the agent must not depend on any
// one server's markup beyond standard <form>, <input>, <select> and <button> elements.

const MAX_STEPS = 25;
// The score of a button that says no, when the person means to say no.
const DENY_CHOICE = 3;

/** Cookie jar keyed by cookie name (all traffic is one loopback origin). */
class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function attributes(tag) {
  const attrs = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  const inner = tag.replace(/^<\s*[a-zA-Z]+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Every <form> in the page with its fields and submit buttons. */
function parseForms(html) {
  const forms = [];
  for (const m of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const formTag = m[0].match(/^<form\b[^>]*>/i)[0];
    const body = m[1];
    const form = { ...attributes(formTag), fields: [], buttons: [], text: body.replace(/<[^>]+>/g, ' ') };
    for (const [tag] of body.matchAll(/<input\b[^>]*>/gi)) {
      const a = attributes(tag);
      const type = (a.type ?? 'text').toLowerCase();
      if (type === 'submit' || type === 'image') {
        if (!a.form) form.buttons.push({ name: a.name, value: a.value ?? '', label: a.value ?? '' });
      } else if (a.name) {
        form.fields.push({ kind: 'input', type, name: a.name, value: a.value ?? '', checked: 'checked' in a });
      }
    }
    for (const button of submitButtons(body)) {
      if (!button.form) form.buttons.push(button);
    }
    for (const s of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const a = attributes(`<select ${s[1]}>`);
      const options = [...s[2].matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)].map((o) => {
        const oa = attributes(`<option ${o[1]}>`);
        return { value: oa.value ?? o[2].trim(), selected: 'selected' in oa };
      });
      if (a.name) form.fields.push({ kind: 'select', name: a.name, options });
    }
    forms.push(form);
  }
  // HTML5 lets a button outside a form submit it through its form="ID" attribute.
  for (const button of submitButtons(html)) {
    const owner = button.form && forms.find((f) => f.id === button.form);
    if (owner) owner.buttons.push(button);
  }
  return forms;
}

function submitButtons(html) {
  const buttons = [];
  for (const b of html.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
    const a = attributes(`<button ${b[1]}>`);
    if ((a.type ?? 'submit').toLowerCase() !== 'submit') continue;
    buttons.push({ name: a.name, value: a.value ?? '', label: b[2].replace(/<[^>]+>/g, ' ').trim(), form: a.form });
  }
  for (const [tag] of html.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(tag);
    if (a.form && ['submit', 'image'].includes((a.type ?? '').toLowerCase())) {
      buttons.push({ name: a.name, value: a.value ?? '', label: a.value ?? '', form: a.form });
    }
  }
  return buttons;
}

/** A link a person would click to say no ("[ Cancel ]", "Deny"), when no form offers it. */
function denyLink(html) {
  for (const m of html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi)) {
    const { href } = attributes(`<a ${m[1]}>`);
    if (href && DENY.test(m[2].replace(/<[^>]+>/g, ' '))) return href;
  }
  return undefined;
}

const APPROVE = /approve|allow|accept|authori[sz]e|yes|confirm|continue|sign[\s-]?in|log[\s-]?in|submit|next|verify|grant|ok\b/i;
const DENY = /deny|decline|reject|cancel|abort|refuse|\bno\b/i;

function buttonText(button) {
  return `${button.name ?? ''} ${button.value} ${button.label}`;
}

/** How much a button looks like the decision we want: positive is a match. */
function buttonScore(button, decision) {
  const text = buttonText(button);
  const approve = APPROVE.test(text);
  const deny = DENY.test(text);
  // Denying still means signing in first: a deny button wins wherever there is one.
  if (decision === 'deny' && deny) return DENY_CHOICE;
  return deny ? -2 : approve ? 2 : 1;
}

function chooseSubmission(forms, decision) {
  let best;
  for (const form of forms) {
    const buttons = form.buttons.length > 0 ? form.buttons : [{ value: '', label: form.text }];
    for (const button of buttons) {
      // A form with no button is submitted as a whole; judge it by its action and text.
      const score = form.buttons.length > 0 ? buttonScore(button, decision) : buttonScore({ label: `${form.action ?? ''} ${form.text}`, value: '' }, decision);
      if (!best || score > best.score) best = { form, button: form.buttons.length > 0 ? button : undefined, score };
    }
  }
  return best && best.score > 0 ? best : undefined;
}

function fillField(field, person) {
  const name = field.name.toLowerCase();
  if (field.kind === 'select') {
    const wanted = field.options.find((o) => o.value === person.user);
    return (wanted ?? field.options.find((o) => o.selected) ?? field.options[0])?.value ?? '';
  }
  if (field.type === 'hidden') return field.value;
  if (/user_?code/.test(name) && person.userCode) return person.userCode;
  if (field.type === 'password') return field.value || person.password;
  // The person types their own name over whatever the page suggested.
  if (/login|user|email|subject|\bsub\b|account|name/.test(name)) return person.user;
  if (/\bcode\b/.test(name) && person.userCode) return person.userCode;
  return field.value;
}

function formBody(form, button, person) {
  const body = new URLSearchParams();
  const radiosDone = new Set();
  for (const field of form.fields) {
    if (field.type === 'radio') {
      if (radiosDone.has(field.name)) continue;
      const group = form.fields.filter((f) => f.type === 'radio' && f.name === field.name);
      const pick = group.find((f) => f.value === person.user) ?? group.find((f) => f.checked) ?? group[0];
      body.append(field.name, pick.value);
      radiosDone.add(field.name);
    } else if (field.type === 'checkbox') {
      // Scope and remember-me boxes: a person approving leaves checked ones checked.
      if (field.checked) body.append(field.name, field.value || 'on');
    } else {
      body.append(field.name, fillField(field, person));
    }
  }
  if (button?.name) body.append(button.name, button.value);
  return body;
}

/**
 * Walk from `startUrl` through redirects and forms until a redirect to `stopPrefix` (the
 * client's redirect_uri), or a page with nothing left to submit. Returns
 * `{ redirect, page, pages, hops }`: `redirect` is the final Location (undefined if none),
 * `page` the last HTML body, `pages` the URLs visited (for error messages), `hops` each
 * response's method, url, status and headers. `person` may
 * carry user, password, userCode, decision ('approve' | 'deny'), stopPrefix, and tamper: a
 * function that rewrites the redirect back to the client (to play the attacker).
 */
export async function actAsUser(startUrl, person) {
  const who = { user: 'alice', password: 'any-password', decision: 'approve', ...person };
  const jar = new CookieJar();
  const visited = [];
  const hops = [];
  let denied = false;
  let request = { url: new URL(startUrl), method: 'GET', body: undefined };
  for (let step = 0; step < MAX_STEPS; step++) {
    visited.push(`${request.method} ${request.url}`);
    const headers = { cookie: jar.header(), accept: 'text/html' };
    if (request.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(request.url, { method: request.method, body: request.body, headers, redirect: 'manual' });
    hops.push({ method: request.method, url: request.url.href, status: response.status, headers: response.headers });
    jar.store(response);
    if (response.status >= 300 && response.status < 400) {
      let location = new URL(response.headers.get('location'), request.url);
      // Leaving the server for the client's redirect_uri: where an attacker would meddle.
      if (who.tamper && location.origin !== new URL(startUrl).origin) location = who.tamper(new URL(location));
      if (who.stopPrefix && location.href.startsWith(who.stopPrefix)) return { redirect: location, pages: visited, hops };
      request = { url: location, method: 'GET', body: undefined };
      continue;
    }
    const page = await response.text();
    if (response.status >= 400) {
      throw new Error(`${request.method} ${request.url} answered ${response.status}: ${page.slice(0, 500)}\nvisited: ${visited.join(' -> ')}`);
    }
    // Once the person has said no, they read the result and stop: no more forms.
    const submission = denied ? undefined : chooseSubmission(parseForms(page), who.decision);
    const cancel = who.decision === 'deny' && !denied && submission?.score !== DENY_CHOICE ? denyLink(page) : undefined;
    if (cancel) {
      denied = true;
      request = { url: new URL(cancel, request.url), method: 'GET', body: undefined };
      continue;
    }
    if (!submission) return { redirect: undefined, page, pages: visited, hops };
    if (submission.score === DENY_CHOICE) denied = true;
    const { form, button } = submission;
    const method = (form.method ?? 'GET').toUpperCase();
    const action = new URL(form.action || request.url.href, request.url);
    const body = formBody(form, button, who);
    if (method === 'GET') {
      for (const [k, v] of body) action.searchParams.append(k, v);
      request = { url: action, method: 'GET', body: undefined };
    } else {
      request = { url: action, method: 'POST', body: body.toString() };
    }
  }
  throw new Error(`gave up after ${MAX_STEPS} pages: ${visited.join(' -> ')}`);
}
