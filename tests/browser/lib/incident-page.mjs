// Shared by the incident UI's browser tests: the JSON API from Node with a session like the
// page's (or a bearer token), and the page helpers. The page marks body[data-state] ready or
// failed and counts body[data-generation] up each time it has been built.

// signInRaw(base, c): POST /api/v1/session as c = {user, password}; {status, body, cookie, csrf}.
export async function signInRaw(base, c) {
	const r = await fetch(new URL('api/v1/session', base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: c.user, password: c.password }) });
	const body = await r.json().catch(() => null);
	return { status: r.status, body, cookie: (r.headers.get('set-cookie') || '').split(';')[0], csrf: body && body.csrf };
}

// signIn(base, c): as signInRaw, throwing unless the sign-in succeeded.
export async function signIn(base, c) {
	const r = await signInRaw(base, c);
	if (r.status !== 200) throw new Error(`sign-in as ${c.user}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
	return r;
}

// call(base, s, method, path, body, type): api/v1/PATH as session s (cookie and CSRF token) or
// s.bearer; a body that is not a string or bytes is sent as JSON. {status, body, text, headers}.
export async function call(base, s, method, path, body, type) {
	const headers = { Accept: 'application/json' };
	if (s.bearer) headers.Authorization = `Bearer ${s.bearer}`;
	else {
		headers.Cookie = s.cookie;
		if (method !== 'GET') headers['X-CSRF-Token'] = s.csrf;
	}
	let payload;
	if (body !== undefined) {
		headers['Content-Type'] = type || 'application/json';
		payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
	}
	const r = await fetch(new URL(`api/v1/${path}`, base), { method, headers, body: payload });
	const text = await r.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch {
		json = null;
	}
	return { status: r.status, body: json, text, headers: r.headers };
}

// must(r, what, ...ok): r's body when its status is one of ok, else throw.
export const must = (r, what, ...ok) => {
	if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
	return r.body;
};

// newPage(browser, problems, locale, opts): a page whose dialogs (also kept in page.dialogs),
// page errors and CSP violations are pushed to problems; window.__csp collects violations.
export async function newPage(browser, problems, locale = 'en-US', opts = {}) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, ...opts });
	const page = await ctx.newPage();
	page.dialogs = [];
	page.on('dialog', (d) => {
		page.dialogs.push(`${d.type()}: ${d.message()}`);
		problems.push(`dialog ${d.type()} ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	page.on('pageerror', (e) => problems.push(`pageerror ${e.message}`));
	page.on('console', (m) => {
		if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console ${m.text()}`);
	});
	await page.addInitScript(() => {
		window.__csp = [];
		document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
	});
	return page;
}

// settled(page, after): wait until the page is built (again) past generation after; its generation.
export async function settled(page, after = 0) {
	await page.waitForFunction((g) => ['ready', 'failed'].includes(document.body.dataset.state) && Number(document.body.dataset.generation || 0) > g, after, { timeout: 20000 });
	return page.evaluate(() => Number(document.body.dataset.generation || 0));
}

export const gen = (page) => page.evaluate(() => Number(document.body.dataset.generation || 0));

// go(page, hash): show the route and wait for it (a reload when it is shown already).
export async function go(page, hash) {
	if (await page.evaluate((h) => location.hash === h, hash)) {
		await page.reload();
		return settled(page, 0);
	}
	const g = await gen(page);
	await page.evaluate((h) => {
		location.hash = h;
	}, hash);
	return settled(page, g);
}

// login(page, base, c): open incident.html and sign in through its form.
export async function login(page, base, c) {
	await page.goto(new URL('incident.html', base).toString());
	await settled(page);
	const g = await gen(page);
	await page.fill('#login-user', c.user);
	await page.fill('#login-password', c.password);
	await page.click('#login-go');
	return settled(page, g);
}
