// The incident pages for entering a report by hand (#/report/new), managing users (#/users) and
// one's own API tokens (#/tokens), in headless chromium against a real keikaid at KEIKAI_URL with
// three users: KEIKAI_HANDLER, KEIKAI_ANALYST and KEIKAI_ADMIN ("name:password"), made by
// with-incident-server.sh. Expected values come from what the test typed, the server's API and
// the catalogs.
import { Tap, baseUrl, launch, getJson, same, fail } from './lib/harness.mjs';
import * as ip from './lib/incident-page.mjs';

const base = baseUrl();
const tap = new Tap();
const cred = (v) => {
	const s = process.env[v] || '';
	const i = s.indexOf(':');
	return i > 0 ? { user: s.slice(0, i), password: s.slice(i + 1) } : null;
};
const HANDLER = cred('KEIKAI_HANDLER');
const ANALYST = cred('KEIKAI_ANALYST');
const ADMIN = cred('KEIKAI_ADMIN');
if (!HANDLER || !ANALYST || !ADMIN) {
	console.log('1..0 # SKIP KEIKAI_HANDLER, KEIKAI_ANALYST and KEIKAI_ADMIN are not set (tests/browser/with-incident-server.sh sets them)');
	process.exit(0);
}
const nonce = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
const en = (await getJson(base, 'i18n/en.json')).body;
const ja = (await getJson(base, 'i18n/ja.json')).body;

// ---- the API from Node ------------------------------------------------------------------
const signInRaw = (c) => ip.signInRaw(base, c);
const signIn = (c) => ip.signIn(base, c);
const call = (s, method, path, body) => ip.call(base, s, method, path, body);
const must = ip.must;
const adm = await signIn(ADMIN);
const userOf = async (name) => (must(await call(adm, 'GET', 'users'), 'GET users', 200).users || []).find((u) => u.name === name) || null;

// ---- the browser ------------------------------------------------------------------------
const browser = await launch();
const problems = [];

const newPage = (locale = 'en-US', opts = {}) => ip.newPage(browser, problems, locale, opts);
const { settled, gen, go } = ip;
const login = (page, c) => ip.login(page, base, c);
// click(page, sel): click and wait for the page to be built again.
async function click(page, sel) {
	const g = await gen(page);
	await page.click(sel);
	return settled(page, g);
}
const navShown = (page, route) => page.locator(`#inc-nav a[data-route="${route}"]`).isVisible();
const errLine = (page, f) => page.locator(`.k-fielderr[data-field="${f}"]`).innerText();
// fetchIn(page, path, init): status of a fetch() made by the page itself.
const fetchIn = (page, path, init) => page.evaluate(async ([p, i]) => (await fetch(p, i)).status, [path, init || {}]);
const forcedPost = (page, path, body) => page.evaluate(async ([p, b]) => {
	const s = await (await fetch('api/v1/session')).json();
	return (await fetch(p, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: JSON.stringify(b) })).status;
}, [path, body]);

try {
	// ---- a handler enters a fax report -----------------------------------------------------
	// The browser runs in Berlin time: the received time typed in is local to the browser, and
	// 2026-11-20 14:35 in Berlin (CET, UTC+1) is 13:35 UTC.
	const hp = await newPage('en-US', { timezoneId: 'Europe/Berlin' });
	await login(hp, HANDLER);
	const subject = `FAX受信: 不審なログイン画面の通報 ${nonce}`;
	const defanged = `hxxps://login-${nonce}[.]example[.]test/verify`;
	const wantReceived = Date.UTC(2026, 10, 20, 13, 35) / 1000;
	let entered = null;
	await tap.run('a handler sees the "New report" entry; the form defaults to now in the local time and offers the RSIT classes of /taxonomy', async () => {
		const nav = await navShown(hp, 'report/new');
		await hp.click('#inc-nav a[data-route="report/new"]');
		await hp.waitForSelector('#newreport-form');
		const v = await hp.inputValue('#nr-received');
		const nowLocal = await hp.evaluate(() => Date.now());
		const asTyped = await hp.evaluate((x) => new Date(x).getTime(), v);
		const tax = must(await call(adm, 'GET', 'taxonomy'), 'GET taxonomy', 200);
		const classes = (await hp.locator('#nr-class option').evaluateAll((o) => o.map((x) => x.value))).filter(Boolean);
		const note = await hp.locator('label[data-field="received"] .k-meta').innerText();
		return nav && Math.abs(nowLocal - asTyped) < 120000 && same(classes, tax.rsit.map((c) => c.key)) && note === en['newreport.received_note'].replace('{zone}', 'UTC+01:00') ? true : fail({ nav, v, classes, note });
	});
	await tap.run('a bad e-mail address is refused by the API (422) and shown next to its field, translated; nothing is entered', async () => {
		await hp.selectOption('#nr-channel', 'fax');
		await hp.fill('#nr-subject', `bad address ${nonce}`);
		await hp.fill('#nr-reporter_email', 'not an address');
		await hp.click('#nr-send');
		await hp.waitForSelector('.k-fielderr[data-field="reporter_email"][data-code]', { timeout: 10000 });
		const text = await errLine(hp, 'reporter_email');
		const code = await hp.locator('.k-fielderr[data-field="reporter_email"]').getAttribute('data-code');
		const hash = await hp.evaluate(() => location.hash);
		const found = must(await call(adm, 'GET', `search?q=${encodeURIComponent(`bad address ${nonce}`)}`), 'GET search', 200).reports || [];
		return code === 'bad_field' && text === en['fielderr.reporter_email'] && hash === '#/report/new' && found.length === 0 ? true : fail({ code, text, hash, found: found.length });
	});
	await tap.run('the handler enters a fax report with a Japanese subject and a defanged URL and lands on its page', async () => {
		await hp.fill('#nr-received', '2026-11-20T14:35');
		await hp.fill('#nr-reporter', '佐藤 花子');
		await hp.fill('#nr-reporter_email', `sato-${nonce}@example.test`);
		await hp.fill('#nr-subject', subject);
		await hp.fill('#nr-body', `電話の後に FAX で届いた内容です。\n偽のログイン画面: ${defanged}\n`);
		await hp.selectOption('#nr-tlp', 'amber');
		await hp.selectOption('#nr-class', 'fraud');
		await hp.selectOption('#nr-type', 'phishing');
		const g = await gen(hp);
		await hp.click('#nr-send');
		await settled(hp, g);
		const m = /^#\/report\/(\d+)$/.exec(await hp.evaluate(() => location.hash));
		if (!m) return fail({ hash: await hp.evaluate(() => location.hash), view: (await hp.locator('#view').innerText()).slice(0, 300) });
		entered = must(await call(adm, 'GET', `reports/${m[1]}`), 'GET report', 200);
		const e = entered;
		const ok = e.channel === 'fax' && e.subject === subject && e.received === wantReceived && e.reporter === '佐藤 花子' && e.tlp === 'amber' && e.entered_by === HANDLER.user;
		return ok ? true : fail({ channel: e.channel, subject: e.subject, received: e.received, wantReceived, tlp: e.tlp, entered_by: e.entered_by });
	});
	await tap.run("the report's page shows its number and incident, the channel as Fax, and the URL extracted from the defanged text", async () => {
		if (!entered) return fail('no report was entered');
		const notice = await hp.locator('#report-entered').innerText();
		const h2 = await hp.locator('#view h2').innerText();
		const dd = await hp.locator('dl.k-fields dd').allInnerTexts();
		const dt = await hp.locator('dl.k-fields dt').allInnerTexts();
		const at = (k) => dd[dt.indexOf(en[k])];
		const inc = entered.incident || {};
		const urls = (entered.indicators || []).filter((i) => i.type === 'url');
		const shownValues = await hp.locator('#indicator-table tbody tr td:nth-child(3)').allInnerTexts();
		const urlOk = urls.length === 1 && urls[0].value.includes(`login-${nonce}.example.test`) && !urls[0].value.includes('[.]') && shownValues.includes(urls[0].value);
		const incident = must(await call(adm, 'GET', `incidents/${inc.id}`), 'GET incident', 200);
		const i = incident.incident && typeof incident.incident === 'object' ? incident.incident : incident;
		const ok = notice.includes(entered.ack) && h2.includes(entered.ack) && at('report.channel') === en['channel.fax'] && at('report.incident') === inc.ref && at('report.subject') === subject && i.rsit_type === 'phishing' && i.tlp === 'amber';
		return ok && urlOk ? true : fail({ notice, h2, channel: at('report.channel'), incident: at('report.incident'), ref: inc.ref, urls, shownValues, rsit: i.rsit_type, tlp: i.tlp });
	});
	await tap.run('a handler sees neither the Users entry nor the users (the API answers 403)', async () => {
		const nav = await navShown(hp, 'users');
		const st = await fetchIn(hp, 'api/v1/users');
		await go(hp, '#/users');
		const code = await hp.locator('#view .k-error').getAttribute('data-code');
		return !nav && st === 403 && code === 'forbidden' ? true : fail({ nav, st, code });
	});

	// ---- an analyst ---------------------------------------------------------------------------
	const ap = await newPage('en-US');
	await login(ap, ANALYST);
	await tap.run('an analyst sees no "New report" or Users entry, and the API refuses a forced report (403) and the users (403)', async () => {
		const newNav = await navShown(ap, 'report/new');
		const usersNav = await navShown(ap, 'users');
		const tokensNav = await navShown(ap, 'tokens');
		const post = await forcedPost(ap, 'api/v1/reports', { channel: 'fax', subject: `forced ${nonce}` });
		const users = await fetchIn(ap, 'api/v1/users');
		await go(ap, '#/report/new');
		const form = await ap.locator('#newreport-form').count();
		const found = must(await call(adm, 'GET', `search?q=${encodeURIComponent(`forced ${nonce}`)}`), 'GET search', 200).reports || [];
		return !newNav && !usersNav && tokensNav && post === 403 && users === 403 && form === 0 && found.length === 0 ? true : fail({ newNav, usersNav, tokensNav, post, users, form, found: found.length });
	});
	await ap.context().close();

	// ---- the administrator manages users -------------------------------------------------------
	const dp = await newPage('en-US');
	await login(dp, ADMIN);
	const newName = `nina.${nonce}`;
	const newPw = `pw-${nonce}-初期値`;
	await tap.run('the administrator sees the Users entry and the list of GET /api/v1/users', async () => {
		const nav = await navShown(dp, 'users');
		await click(dp, '#inc-nav a[data-route="users"]');
		const names = await dp.locator('#user-table tbody tr').evaluateAll((r) => r.map((x) => x.dataset.user));
		const api = must(await call(adm, 'GET', 'users'), 'GET users', 200).users.map((u) => u.name);
		const row = await dp.locator(`#user-table tr[data-user="${HANDLER.user}"] td`).allInnerTexts();
		return nav && names.length >= 3 && same(names, api) && row[2] === en['role.handler'] && row[0] === HANDLER.user ? true : fail({ nav, names, api, row });
	});
	await tap.run('a password shorter than 10 bytes is refused in the page (as the server would), naming its length; no user is made', async () => {
		await dp.fill('#ua-name', newName);
		await dp.fill('#ua-password', 'short');
		await dp.fill('#ua-password2', 'short');
		await dp.click('#ua-go');
		const text = await errLine(dp, 'password');
		// the server refuses it too
		const direct = await call(adm, 'POST', 'users', { name: `${newName}x`, password: 'short', role: 'analyst' });
		return text === en['fielderr.password'].replace('{n}', '5') && !(await userOf(newName)) && direct.status === 422 && !(await userOf(`${newName}x`)) ? true : fail({ text, direct: direct.status });
	});
	await tap.run('the administrator adds a handler; the list and the API show the new user', async () => {
		await dp.fill('#ua-name', newName);
		await dp.fill('#ua-display', 'Nina <i>New</i>');
		await dp.selectOption('#ua-role', 'handler');
		await dp.selectOption('#ua-lang', 'ja');
		await dp.fill('#ua-password', newPw);
		await dp.fill('#ua-password2', newPw);
		await click(dp, '#ua-go');
		const u = await userOf(newName);
		const row = await dp.locator(`#user-table tr[data-user="${newName}"] td`).allInnerTexts();
		const flash = await dp.locator('#users-msg').innerText();
		const italics = await dp.locator('#user-table i').count();
		const ok = u && u.role === 'handler' && u.lang === 'ja' && u.display === 'Nina <i>New</i>' && !u.disabled && u.last_login === null;
		return ok && row[1] === 'Nina <i>New</i>' && italics === 0 && row[5] === en['users.never'] && flash === en['users.added'].replace('{name}', newName) ? true : fail({ u, row, flash, italics });
	});
	const np = await newPage('en-US');
	await tap.run('the new user signs in with that password', async () => {
		await login(np, { user: newName, password: newPw });
		const who = await np.evaluate(() => window.keikaiIncident.user && window.keikaiIncident.user.user);
		const role = (await np.locator('#role').count()) ? await np.locator('#role').innerText() : '';
		const u = await userOf(newName);
		return who === newName && role === en['role.handler'] && u.last_login > 0 ? true : fail({ who, role, last: u && u.last_login });
	});
	await tap.run('the administrator changes the new user to analyst from the row', async () => {
		await go(dp, '#/users');
		await dp.selectOption(`#user-table tr[data-user="${newName}"] .u-role`, 'analyst');
		await click(dp, `#user-table tr[data-user="${newName}"] .u-role-save`);
		const u = await userOf(newName);
		const shownRole = await dp.locator(`#user-table tr[data-user="${newName}"] .u-role-now`).innerText();
		return u.role === 'analyst' && shownRole === en['role.analyst'] ? true : fail({ role: u.role, shownRole });
	});
	// a token of the new user, to see that disabling ends it too
	const nsApi = await signIn({ user: newName, password: newPw });
	const ntok = must(await call(nsApi, 'POST', 'me/tokens', { name: 'script' }), 'POST me/tokens', 201).token;
	await tap.run("disabling the user ends the user's session: the next API call of its page shows the sign-in form", async () => {
		const before = await fetchIn(np, 'api/v1/session');
		await click(dp, `#user-table tr[data-user="${newName}"] .u-toggle`);
		const u = await userOf(newName);
		const state = await dp.locator(`#user-table tr[data-user="${newName}"] .u-state`).innerText();
		await go(np, '#/queue');
		const form = await np.locator('#login-form').count();
		const who = await np.evaluate(() => window.keikaiIncident.user);
		const tokenNow = (await call({ bearer: ntok }, 'GET', 'reports?status=new')).status;
		const again = (await signInRaw({ user: newName, password: newPw })).status;
		return before === 200 && u.disabled === true && state === en['users.state_disabled'] && form === 1 && who === null && tokenNow === 401 && again === 401 ? true : fail({ before, disabled: u.disabled, state, form, who, tokenNow, again });
	});
	await tap.run('the administrator enables the user again and sets a new password: the old one stops working, the new one works', async () => {
		await click(dp, `#user-table tr[data-user="${newName}"] .u-toggle`);
		const short = await (async () => {
			await dp.fill(`#user-table tr[data-user="${newName}"] .u-password`, '123456789');
			await dp.click(`#user-table tr[data-user="${newName}"] .u-password-save`);
			return dp.locator(`#user-table tr[data-user="${newName}"] .u-msg`).innerText();
		})();
		const pw2 = `${newPw}-2`;
		await dp.fill(`#user-table tr[data-user="${newName}"] .u-password`, pw2);
		await click(dp, `#user-table tr[data-user="${newName}"] .u-password-save`);
		const u = await userOf(newName);
		const oldOne = (await signInRaw({ user: newName, password: newPw })).status;
		const newOne = (await signInRaw({ user: newName, password: pw2 })).status;
		return short === en['fielderr.password'].replace('{n}', '9') && !u.disabled && oldOne === 401 && newOne === 200 ? true : fail({ short, disabled: u.disabled, oldOne, newOne });
	});
	await tap.run('the administrator has no disable or role control on the own row', async () => {
		const own = await dp.locator(`#user-table tr[data-user="${ADMIN.user}"] .u-toggle, #user-table tr[data-user="${ADMIN.user}"] .u-role`).count();
		const other = await dp.locator(`#user-table tr[data-user="${HANDLER.user}"] .u-toggle`).count();
		return own === 0 && other === 1 ? true : fail({ own, other });
	});
	await np.context().close();

	// ---- own API tokens ------------------------------------------------------------------------
	const tokName = `laptop-${nonce}`;
	let secret = '';
	await tap.run('a user creates a token: it is shown once with a warning, and the copy button copies it', async () => {
		await hp.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
		await click(hp, '#inc-nav a[data-route="tokens"]');
		await hp.fill('#tk-name', tokName);
		await hp.click('#tk-go');
		await hp.waitForSelector('#token-secret');
		secret = await hp.inputValue('#token-secret');
		const warning = await hp.locator('#token-warning').innerText();
		await hp.click('#token-copy');
		await hp.waitForFunction(() => document.getElementById('token-copy-state').textContent.length > 0);
		const copied = await hp.evaluate(() => navigator.clipboard.readText());
		const state = await hp.locator('#token-copy-state').innerText();
		const listed = await hp.locator('#token-table tbody tr').evaluateAll((r) => r.map((x) => x.dataset.token));
		const tableText = await hp.locator('#token-table').innerText();
		return secret.length >= 20 && warning === en['tokens.secret_warning'] && copied === secret && state === en['tokens.copied'] && listed.includes(tokName) && !tableText.includes(secret) ? true : fail({ len: secret.length, warning, copied: copied === secret, state, listed });
	});
	await tap.run('the token works as a Bearer token in fetch() (no cookie), and the list never holds its text', async () => {
		const st = await hp.evaluate(async (tk) => (await fetch('api/v1/reports?status=new', { credentials: 'omit', headers: { Authorization: `Bearer ${tk}` } })).status, secret);
		const session = await hp.evaluate(async (tk) => (await fetch('api/v1/session', { credentials: 'omit', headers: { Authorization: `Bearer ${tk}` } })).status, secret);
		const list = await call(await signIn(HANDLER), 'GET', 'me/tokens');
		const mine = (list.body.tokens || []).find((k) => k.name === tokName);
		return st === 200 && session !== 200 && mine && !list.text.includes(secret) ? true : fail({ st, session, mine, leaked: list.text.includes(secret) });
	});
	await tap.run('the token is not shown again: after leaving and coming back the page has no text of it, and shows its last use', async () => {
		await go(hp, '#/queue');
		await go(hp, '#/tokens');
		const box = await hp.locator('#token-secret').count();
		const body = await hp.evaluate(() => document.body.innerText);
		const row = await hp.locator(`#token-table tr[data-token="${tokName}"] td`).allInnerTexts();
		const api = (must(await call(await signIn(HANDLER), 'GET', 'me/tokens'), 'GET me/tokens', 200).tokens || []).find((k) => k.name === tokName);
		const usedOk = api && (api.last_used ? row[2] !== en['tokens.never'] : row[2] === en['tokens.never']);
		return box === 0 && !body.includes(secret) && row[0] === tokName && usedOk ? true : fail({ box, row, api });
	});
	await tap.run('the user deletes the token: it leaves the list and stops working (401)', async () => {
		await hp.click(`#token-table tr[data-token="${tokName}"] .t-delete`);
		await hp.waitForFunction((n) => !document.querySelector(`#tokens-list tr[data-token="${n}"]`) && document.getElementById('tokens-msg').textContent.length > 0, tokName);
		const st = await hp.evaluate(async (tk) => (await fetch('api/v1/reports?status=new', { credentials: 'omit', headers: { Authorization: `Bearer ${tk}` } })).status, secret);
		const msg = await hp.locator('#tokens-msg').innerText();
		return st === 401 && msg === en['tokens.deleted'].replace('{name}', tokName) ? true : fail({ st, msg });
	});
	await tap.run('a token name the server would refuse is caught in the page', async () => {
		await hp.fill('#tk-name', 'no spaces allowed');
		await hp.click('#tk-go');
		const text = await errLine(hp, 'name');
		const made = await hp.locator('#token-secret').count();
		return text === en['fielderr.name'] && made === 0 ? true : fail({ text, made });
	});

	// ---- Japanese ------------------------------------------------------------------------------
	await tap.run('in Japanese the three pages and their entries use ja.json (and a field error is translated)', async () => {
		const g = await gen(dp);
		await dp.click('[data-lang="ja"]');
		await settled(dp, g);
		const got = {};
		got.nav = await dp.locator('#inc-nav').evaluate((n) => [...n.querySelectorAll('a[data-route="report/new"], a[data-route="users"], a[data-route="tokens"]')].map((a) => a.textContent));
		await go(dp, '#/users');
		got.users = [await dp.locator('#view h2').innerText(), ...(await dp.locator('#user-table thead th').allInnerTexts()).slice(0, 3), await dp.locator('#ua-go').innerText()];
		await go(dp, '#/tokens');
		got.tokens = [await dp.locator('#view h2').innerText(), await dp.locator('#tk-go').innerText()];
		await go(dp, '#/report/new');
		got.report = [await dp.locator('#view h2').innerText(), await dp.locator('label[data-field="channel"]').evaluate((l) => l.firstChild.textContent), await dp.locator('#nr-channel option[value="fax"]').innerText(), await dp.locator('#nr-send').innerText()];
		await dp.fill('#nr-subject', `ja ${nonce}`);
		await dp.fill('#nr-reporter_email', 'アドレスではない');
		await dp.click('#nr-send');
		await dp.waitForSelector('.k-fielderr[data-field="reporter_email"][data-code]', { timeout: 10000 });
		got.err = await errLine(dp, 'reporter_email');
		const want = {
			nav: [ja['nav.new_report'], ja['nav.users'], ja['nav.tokens']],
			users: [ja['users.title'], ja['users.name'], ja['users.display'], ja['users.role'], ja['users.add']],
			tokens: [ja['tokens.title'], ja['tokens.create']],
			report: [ja['newreport.title'], ja['newreport.channel'], ja['channel.fax'], ja['newreport.send']],
			err: ja['fielderr.reporter_email'],
		};
		return same(got, want) ? true : fail({ got, want });
	});
	await tap.run('on a 390×844 phone screen the three pages need no sideways scrolling', async () => {
		const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', isMobile: true });
		const ph = await ctx.newPage();
		await login(ph, ADMIN);
		const wide = {};
		for (const r of ['#/report/new', '#/users', '#/tokens']) {
			await go(ph, r);
			wide[r] = await ph.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		}
		await ctx.close();
		return Object.values(wide).every((v) => v <= 0) ? true : fail(wide);
	});
	await tap.run('no page had a CSP violation, a script error or a dialog', async () => (problems.length === 0 ? true : fail(problems)));
} catch (e) {
	tap.ok(false, 'the test ran to its end', e && e.stack ? e.stack : String(e));
} finally {
	await browser.close();
}
tap.done();
