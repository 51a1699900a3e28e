// A minimal W3C WebDriver client over fetch: enough to drive the real app through tauri-driver.
const ELEMENT = 'element-6066-11e4-a52e-4a4e6c6f6f6e';

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application) {
    const r = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application } } },
    });
    return new Session(base, r.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async quit() {
    await this.cmd('DELETE', '');
  }

  async findAll(css) {
    const els = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return els.map((e) => new Element(this, e[ELEMENT] ?? e.ELEMENT ?? Object.values(e)[0]));
  }

  /** Waits until at least one element matches (and, if given, `pred(element)` holds). */
  async waitFor(css, { timeout = 15000, pred } = {}) {
    const end = Date.now() + timeout;
    let last = '';
    while (Date.now() < end) {
      try {
        for (const el of await this.findAll(css)) {
          if (!pred || (await pred(el))) return el;
        }
      } catch (e) {
        last = String(e);
      }
      await sleep(150);
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${css} ${last}`);
  }

  exec(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Runs `script` with a callback as its last argument; resolves with what it is called with. */
  execAsync(script, args = []) {
    return this.cmd('POST', '/execute/async', { script, args });
  }

  async screenshot(path) {
    const { writeFile } = await import('node:fs/promises');
    const b64 = await this.cmd('GET', '/screenshot');
    await writeFile(path, Buffer.from(b64, 'base64'));
  }

  /** Presses keys with modifiers through the Actions API (e.g. ['\uE009', 'k'] = Ctrl+K). */
  async chord(keys) {
    const down = keys.map((k) => ({ type: 'keyDown', value: k }));
    const up = [...keys].reverse().map((k) => ({ type: 'keyUp', value: k }));
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions: [...down, ...up] }] });
    await this.cmd('DELETE', '/actions');
  }
}

export class Element {
  constructor(session, id) {
    this.s = session;
    this.id = id;
  }
  /** The first descendant matching `css`. */
  async find(css) {
    const e = await this.s.cmd('POST', `/element/${this.id}/element`, { using: 'css selector', value: css });
    return new Element(this.s, e[ELEMENT] ?? e.ELEMENT ?? Object.values(e)[0]);
  }
  click() {
    return this.s.cmd('POST', `/element/${this.id}/click`, {});
  }
  type(text) {
    return this.s.cmd('POST', `/element/${this.id}/value`, { text });
  }
  clear() {
    return this.s.cmd('POST', `/element/${this.id}/clear`, {});
  }
  text() {
    return this.s.cmd('GET', `/element/${this.id}/text`);
  }
  attr(name) {
    return this.s.cmd('GET', `/element/${this.id}/attribute/${name}`);
  }
  prop(name) {
    return this.s.cmd('GET', `/element/${this.id}/property/${name}`);
  }
  /** Every descendant matching `css`. */
  async findAll(css) {
    const list = await this.s.cmd('POST', `/element/${this.id}/elements`, { using: 'css selector', value: css });
    return list.map((e) => new Element(this.s, e[ELEMENT] ?? e.ELEMENT ?? Object.values(e)[0]));
  }
}

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60000),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
