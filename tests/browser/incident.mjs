// The incident handling pages (incident.html, report.html) in headless chromium against a real
// keikaid at KEIKAI_URL with two users: KEIKAI_HANDLER and KEIKAI_ANALYST ("name:password"),
// made by with-incident-server.sh. Every report the test looks at is submitted by the test itself
// through the server's API or its public form; expected values come from what was submitted and
// from the server's API and catalogs.
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
if (!HANDLER || !ANALYST) {
	console.log('1..0 # SKIP KEIKAI_HANDLER and KEIKAI_ANALYST are not set (tests/browser/with-incident-server.sh sets them)');
	process.exit(0);
}
const nonce = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
const en = (await getJson(base, 'i18n/en.json')).body;
const ja = (await getJson(base, 'i18n/ja.json')).body;

// ---- the API from Node, with a session like the page's ----------------------------------
const signIn = (c) => ip.signIn(base, c);
const call = (s, method, path, body, type) => ip.call(base, s, method, path, body, type);
const must = ip.must;
const incidentOf = (rep) => Number(rep.incident && typeof rep.incident === 'object' ? rep.incident.id : rep.incident ?? rep.incident_id);

const hs = await signIn(HANDLER);
const submit = async (fields) => must(await call(hs, 'POST', 'reports', { channel: 'api', reporter: 'Test Reporter', reporter_email: 'reporter@example.test', ...fields }), 'POST reports', 201);

// ---- the browser ----------------------------------------------------------------------------
const browser = await launch();
const problems = []; // CSP violations, page errors and dialogs of every page, for the checks below

const newPage = (locale = 'en-US') => ip.newPage(browser, problems, locale);
const { settled, gen, go } = ip;
const login = (page, c) => ip.login(page, base, c);

async function inert(page) {
	const st = await page.evaluate(() => ({
		pwned: typeof window.__pwned,
		csp: window.__csp.slice(),
		made: document.querySelectorAll('main img, main script, main iframe, main object, main svg').length,
		jsLinks: [...document.querySelectorAll('a')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href') || '')).length,
	}));
	const ok = st.pwned === 'undefined' && st.csp.length === 0 && st.made === 0 && st.jsLinks === 0 && page.dialogs.length === 0;
	return ok ? true : fail({ ...st, dialogs: page.dialogs });
}

try {
	// ---- sign-in and sign-out -----------------------------------------------------------
	const p0 = await newPage();
	await p0.goto(new URL('incident.html', base).toString());
	await settled(p0);
	await tap.run('without a session the page shows the sign-in form and no navigation', async () => {
		const form = await p0.locator('#login-form').count();
		const nav = await p0.locator('#inc-nav').isVisible();
		return form === 1 && !nav ? true : fail({ form, nav });
	});
	await tap.run('a wrong password is refused with the translated bad_login message', async () => {
		const g = await gen(p0);
		await p0.fill('#login-user', HANDLER.user);
		await p0.fill('#login-password', `${HANDLER.password}x`);
		await p0.click('#login-go');
		await p0.waitForSelector('#login-msg [data-code]', { timeout: 10000 });
		const text = await p0.locator('#login-msg [data-code]').innerText();
		const code = await p0.locator('#login-msg [data-code]').getAttribute('data-code');
		return code === 'bad_login' && text === en['error.bad_login'] && (await gen(p0)) === g ? true : fail({ code, text });
	});
	await tap.run('the handler signs in: navigation, role and display name (as text) are shown', async () => {
		const g = await gen(p0);
		await p0.fill('#login-password', HANDLER.password);
		await p0.click('#login-go');
		await settled(p0, g);
		const nav = await p0.locator('#inc-nav').isVisible();
		const role = await p0.locator('#role').innerText();
		const who = await p0.locator('#who').innerText();
		const bold = await p0.locator('#who b').count();
		const s = (await p0.evaluate(async () => (await fetch('api/v1/session')).status));
		return nav && role === en['role.handler'] && who.includes('Hana <b>Handler</b>') && bold === 0 && s === 200 ? true : fail({ nav, role, who, bold, s });
	});
	await tap.run('signing out ends the session on the server and shows the sign-in form again', async () => {
		const g = await gen(p0);
		await p0.click('#logout');
		await settled(p0, g);
		const form = await p0.locator('#login-form').count();
		const s = await p0.evaluate(async () => (await fetch('api/v1/session')).status);
		return form === 1 && s === 401 ? true : fail({ form, s });
	});
	await p0.context().close();

	// ---- public form -> queue -----------------------------------------------------------
	const jaWord = `合言葉${nonce.replace(/\D/g, '').slice(-6)}照合`;
	const enWord = `zebrafinch${nonce}`;
	let formAck = null;
	const pf = await newPage();
	await pf.goto(new URL('report.html', base).toString());
	await pf.waitForFunction(() => document.body.dataset.state === 'ready');
	await tap.run('the public form (no sign-in) gives an acknowledgement number', async () => {
		await pf.fill('#f-name', '山田 太郎');
		await pf.fill('#f-email', 'taro@example.test');
		await pf.fill('#f-body', `不審なメールを受け取りました。${jaWord} ${enWord}\nhxxp://phish-${nonce}[.]example[.]test/login`);
		await pf.click('#f-send');
		await pf.waitForSelector('#ack, #form-result [data-code]', { timeout: 15000 });
		formAck = (await pf.locator('#ack').count()) ? await pf.locator('#ack').innerText() : null;
		const err = await pf.locator('#form-result [data-code]').count() ? await pf.locator('#form-result [data-code]').getAttribute('data-code') : null;
		return formAck && /^R-\d{4}-\d+$/.test(formAck) ? true : fail({ formAck, err });
	});
	await tap.run('the public form speaks Japanese after the switch', async () => {
		await pf.click('[data-lang="ja"]');
		const title = await pf.locator('h1').innerText();
		const send = await pf.locator('#f-send').innerText();
		const thanks = formAck ? await pf.locator('#form-result').innerText() : '';
		return title === ja['form.title'] && send === ja['form.send'] && (!formAck || thanks.includes(ja['form.thanks'])) ? true : fail({ title, send, thanks });
	});
	await pf.context().close();

	const page = await newPage();
	await login(page, HANDLER);
	await tap.run("the report from the form is in the handler's queue, which lists the API's new reports", async () => {
		await go(page, '#/queue');
		const q = must(await call(hs, 'GET', 'reports?status=new'), 'GET queue', 200).reports.map((r) => r.ack);
		const shownAcks = await page.locator('#queue-table tbody tr td:first-child').allInnerTexts();
		return formAck && shownAcks.includes(formAck) && same(shownAcks, q) ? true : fail({ formAck, shownAcks, q });
	});

	// ---- hostile reports ------------------------------------------------------------------
	const RLO = '\u202e';
	const hostileSubject = `<script>window.__pwned=1</script><img src=x onerror=window.__pwned=1> invoice${RLO}fdp.exe ${nonce}`;
	const hostileBody = `Please check <img src=x onerror="window.__pwned=1;alert(1)"> and javascript:alert(1)\nDownload: http://evil-${nonce}.example.test/${RLO}gnp.exe\nAttachment name: invoice${RLO}txt.exe\n<script>alert(2)</script>`;
	const hostile = [];
	const longBodyLine = `Long line: ${'B'.repeat(200 * 1024)}`;
	const viaApi = await submit({ subject: hostileSubject, body: `${hostileBody}\n${longBodyLine}`, reporter: '<img src=x onerror=alert(3)>' });
	hostile.push({ how: 'API', id: Number(viaApi.id) });
	const longLine = `X-Filler: ${'A'.repeat(200 * 1024)}`;
	const mailWith = (extra) => [
		`From: "<script>window.__pwned=1</script>" <mallory-${nonce}@example.test>`, 'To: cert@example.test',
		`Subject: ${hostileSubject}`, `Message-ID: <${nonce}${extra.length}@example.test>`, 'Date: Wed, 25 Nov 2026 10:00:00 +0900', ...extra,
		'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b-1"', '', '--b-1', 'Content-Type: text/plain; charset=utf-8', '', hostileBody, '--b-1',
		`Content-Type: application/octet-stream; name="photo${RLO}gpj.exe"`, `Content-Disposition: attachment; filename="photo${RLO}gpj.exe"`, 'Content-Transfer-Encoding: base64', '', 'TVqQAAMAAAAEAAAA', '--b-1--', '',
	].join('\r\n');
	const mr = await call(hs, 'POST', 'reports', mailWith([longLine]), 'message/rfc822');
	await tap.run('a mail with a 200 KB header line is taken in or refused with a stable error code', async () => {
		if (mr.status === 201) {
			hostile.push({ how: 'mail with a 200 KB header line', id: Number(mr.body.id) });
			return true;
		}
		const code = mr.body && mr.body.error && (mr.body.error.code || mr.body.error);
		console.log(`# the mail with a 200 KB header line was refused: HTTP ${mr.status} ${code}`);
		return mr.status >= 400 && mr.status < 500 && typeof code === 'string' ? true : fail({ status: mr.status, body: mr.text.slice(0, 200) });
	});
	const mr2 = await call(hs, 'POST', 'reports', mailWith([]), 'message/rfc822');
	await tap.run('the hostile mail without the long line is taken in', async () => {
		if (mr2.status !== 201) return fail({ status: mr2.status, body: mr2.text.slice(0, 200) });
		hostile.push({ how: 'mail', id: Number(mr2.body.id), mail: true });
		return true;
	});
	for (const hr of hostile) {
		await tap.run(`hostile report (${hr.how}) is shown as text: nothing runs, no CSP violation, no javascript: link`, async () => {
			await go(page, `#/report/${hr.id}`);
			const subj = await page.locator('dl.k-fields dd').first().innerText();
			const text = await page.locator('pre.k-pre').innerText();
			const r = await inert(page);
			if (r !== true) return r;
			const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
			if (wide > 0) return fail({ msg: 'the page scrolls sideways', wide });
			if (hr.mail) {
				const att = await page.locator('#attachments').innerText();
				if (!att.includes('photo[U+202E]gpj.exe')) return fail({ att });
			}
			return subj.includes('<script>window.__pwned=1</script>') && text.includes('javascript:alert(1)') ? true : fail({ subj, text: text.slice(0, 300) });
		});
		await tap.run(`hostile report (${hr.how}): URLs are text, not links, and the RTL override is a visible marker`, async () => {
			const links = await page.evaluate(() => [...document.querySelectorAll('main a')].map((a) => ({ attr: a.getAttribute('href'), path: a.pathname, origin: a.origin === location.origin })));
			const outside = links.filter((l) => !/^#\/(report|incident|contact)\/\d+$/.test(l.attr) && !(l.origin && /\/api\/v1\/reports\/\d+\/raw$/.test(l.path)));
			const text = await page.locator('pre.k-pre').innerText();
			const markers = await page.locator('pre.k-pre .k-ctl').allInnerTexts();
			const subject = await page.locator('dl.k-fields dd').first().innerText();
			const rawRlo = await page.evaluate(() => document.querySelector('main').innerText.includes('\u202e'));
			return outside.length === 0 && text.includes(`evil-${nonce}.example.test/[U+202E]gnp.exe`) && text.includes('invoice[U+202E]txt.exe') && markers.includes('[U+202E]') && subject.includes('invoice[U+202E]fdp.exe') && !rawRlo ? true : fail({ outside, markers, subject, rawRlo });
		});
		await tap.run(`hostile report (${hr.how}): the original is a download (attachment, octet-stream), never rendered`, async () => {
			const a = page.locator('#raw-link');
			const href = await a.getAttribute('href');
			const dl = await a.getAttribute('download');
			const res = await page.evaluate(async (u) => {
				const r = await fetch(u);
				return { status: r.status, type: r.headers.get('content-type'), disp: r.headers.get('content-disposition') };
			}, href);
			return dl !== null && res.status === 200 && /^application\/octet-stream/.test(res.type || '') && /attachment/.test(res.disp || '') ? true : fail({ href, dl, res });
		});
	}
	await tap.run('indicators of the hostile report show raw and canonical forms with the marker', async () => {
		const d = must(await call(hs, 'GET', `reports/${hostile[0].id}`), 'GET report', 200);
		const ind = Array.isArray(d.indicators) ? d.indicators : [];
		if (!ind.length) return fail({ msg: 'the server found no indicator', d: JSON.stringify(d).slice(0, 300) });
		await go(page, `#/report/${hostile[0].id}`);
		const rows = await page.locator('#indicator-table tbody tr').count();
		const cells = await page.locator('#indicator-table tbody').innerText();
		const marked = (v) => String(v).replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `[U+${c.codePointAt(0).toString(16).toUpperCase()}]`);
		const want = ind.flatMap((i) => [marked(i.value), marked(i.raw)]);
		const rawRlo = ind.filter((i) => String(i.raw).includes(RLO)).length;
		const shownMarkers = await page.locator('#indicator-table .k-ctl').count();
		return rows === ind.length && want.every((v) => cells.includes(v)) && shownMarkers >= rawRlo ? true : fail({ rows, want, rawRlo, shownMarkers, cells: cells.slice(0, 500) });
	});

	// ---- contacts, enrichment and candidate parties ----------------------------------------
	const orgName = `Example Hosting <i>${nonce}</i>`;
	let orgId = null;
	await tap.run('a handler creates an organisation in the contacts page; the API has its fields', async () => {
		await go(page, '#/contact/new');
		await page.fill('#c-name', orgName);
		await page.selectOption('#c-type', 'hosting');
		await page.fill('#c-country', 'jp');
		await page.fill('#c-abuse', `abuse-${nonce}@example.test`);
		await page.fill('#c-networks', '192.0.2.0/24');
		await page.fill('#c-asns', 'AS64500');
		await page.fill('#c-domains', `cand-${nonce}.example.test`);
		const g = await gen(page);
		await page.click('#contact-save');
		await settled(page, g);
		const m = /^#\/contact\/(\d+)$/.exec(await page.evaluate(() => location.hash));
		if (!m) return fail({ hash: await page.evaluate(() => location.hash), view: (await page.locator('#view').innerText()).slice(0, 300) });
		orgId = Number(m[1]);
		const o = must(await call(hs, 'GET', `contacts/${orgId}`), 'GET contact', 200);
		const c = o.contact || o;
		const ok = c.name === orgName && c.type === 'hosting' && c.country === 'JP' && same(c.abuse, [`abuse-${nonce}@example.test`]) && same(c.networks, ['192.0.2.0/24']) && same(c.asns, [64500]) && same(c.domains, [`cand-${nonce}.example.test`]);
		const h2 = await page.locator('#view h2').innerText();
		return ok && h2 === orgName ? true : fail({ c, h2 });
	});
	await tap.run('the organisation is found by the contacts search and edited from its page', async () => {
		await go(page, `#/contacts?q=${encodeURIComponent(`www.cand-${nonce}.example.test`)}`);
		const names = await page.locator('#contact-table tbody tr td:first-child').allInnerTexts();
		await go(page, `#/contact/${orgId}`);
		await page.fill('#c-note', `checked ${nonce}`);
		await page.click('#contact-save');
		await page.waitForFunction(() => document.querySelector('#contact-form .k-flash').textContent.length > 0);
		const o = must(await call(hs, 'GET', `contacts/${orgId}`), 'GET contact', 200);
		return same(names, [orgName]) && (o.contact || o).note === `checked ${nonce}` ? true : fail({ names, note: (o.contact || o).note });
	});
	await tap.run("a bad network in the contacts form is refused with the server's code, shown translated, and nothing changes", async () => {
		await go(page, `#/contact/${orgId}`);
		await page.fill('#c-networks', '192.0.2.0/24\n300.1.2.0/24');
		await page.click('#contact-save');
		await page.waitForSelector('#contact-form .k-error[data-code]', { timeout: 10000 });
		const code = await page.locator('#contact-form .k-error').getAttribute('data-code');
		const text = await page.locator('#contact-form .k-error').innerText();
		const o = must(await call(hs, 'GET', `contacts/${orgId}`), 'GET contact', 200);
		return code === 'bad_network' && text.startsWith(en['error.bad_network']) && same((o.contact || o).networks, ['192.0.2.0/24']) ? true : fail({ code, text, networks: (o.contact || o).networks });
	});
	const e = await submit({ subject: `Scan ${nonce} E`, body: `Scans from 8.8.8.8 and 192.0.2.55 at www.cand-${nonce}.example.test` });
	const incE = Number(e.incident ?? incidentOf(must(await call(hs, 'GET', `reports/${e.id}`), 'GET report', 200)));
	await tap.run("the incident's indicators show the AS and country of /api/v1/enrich, and the organisation is a candidate", async () => {
		const en8 = must(await call(hs, 'GET', 'enrich?ip=8.8.8.8'), 'GET enrich', 200);
		const want = (en8.addresses || [])[0] || {};
		await go(page, `#/incident/${incE}`);
		const li = page.locator('#indicator-table tbody tr', { hasText: '8.8.8.8' }).locator('.k-enrich li');
		const asn = (await li.count()) ? await li.first().getAttribute('data-asn') : null;
		const cc = (await li.count()) ? await li.first().getAttribute('data-cc') : null;
		const text = (await li.count()) ? await li.first().innerText() : '';
		const cands = await page.locator('#candidate-table tbody tr td:first-child').allInnerTexts();
		const asnOk = want.asn ? asn === String(want.asn) && text.includes(`AS${want.asn}`) && cc === (want.cc || '') : asn === '';
		return asnOk && cands.includes(orgName) ? true : fail({ want, asn, cc, text, cands });
	});

	// ---- incident editing, timeline, analyst -----------------------------------------------
	const a = await submit({ subject: `Phishing ${nonce} A`, body: `Phishing page at https://login-${nonce}-a.example.test/secure` });
	const incA = Number(a.incident ?? incidentOf(must(await call(hs, 'GET', `reports/${a.id}`), 'GET report', 200)));
	await tap.run('a handler sets classification, TLP, owner and priority in the page; the API and the timeline show them', async () => {
		await go(page, `#/incident/${incA}`);
		await page.selectOption('#inc-class', 'fraud');
		await page.selectOption('#inc-type', 'phishing');
		await page.selectOption('#inc-tlp', 'red');
		await page.fill('#inc-owner', HANDLER.user);
		await page.selectOption('#inc-priority', 'high');
		const g = await gen(page);
		await page.click('#inc-save');
		await settled(page, g);
		const err = await page.locator('#incident-edit .k-error').count();
		const d = must(await call(hs, 'GET', `incidents/${incA}`), 'GET incident', 200);
		const i = d.incident && typeof d.incident === 'object' ? { ...d, ...d.incident } : d;
		const fieldsOk = i.rsit_class === 'fraud' && i.rsit_type === 'phishing' && i.tlp === 'red' && i.owner === HANDLER.user && i.priority === 'high';
		const tl = await page.locator('#timeline').innerText();
		const changed = await page.locator('#timeline li[data-field]').evaluateAll((ls) => ls.map((l) => [l.dataset.field, l.innerText]));
		const saw = (f, v) => changed.some(([k, text]) => k === f && text.endsWith(v));
		const inTl = saw('rsit_type', 'phishing') && saw('tlp', 'red') && saw('owner', HANDLER.user) && saw('priority', 'high') && changed.some(([k, text]) => k === 'priority' && text.startsWith(en['incident.priority']));
		const shownTlp = await page.locator('dl.k-fields .k-tlp').first().getAttribute('data-tlp');
		return err === 0 && fieldsOk && inTl && shownTlp === 'red' ? true : fail({ err, i: { c: i.rsit_class, t: i.rsit_type, tlp: i.tlp, o: i.owner, p: i.priority }, tl: tl.slice(0, 400), changed, shownTlp });
	});

	const pa = await newPage('ja-JP');
	await login(pa, ANALYST);
	await tap.run('an analyst sees the incident and report without edit, merge or report actions', async () => {
		await go(pa, `#/incident/${incA}`);
		const title = await pa.locator('#view h2').innerText();
		const edit = await pa.locator('#incident-edit, #merge-form').count();
		await go(pa, `#/report/${a.id}`);
		const acts = await pa.locator('#report-actions').count();
		return title.includes(`Phishing ${nonce} A`) && edit === 0 && acts === 0 ? true : fail({ title, edit, acts });
	});
	await tap.run("an analyst sees an organisation's fields disabled and no save button", async () => {
		if (!orgId) return fail('no organisation was made');
		await go(pa, `#/contact/${orgId}`);
		const save = await pa.locator('#contact-save').count();
		const disabled = await pa.locator('#c-name').isDisabled();
		const newLink = await go(pa, '#/contacts').then(() => pa.locator('#contact-new').count());
		return save === 0 && disabled && newLink === 0 ? true : fail({ save, disabled, newLink });
	});
	await tap.run('the API refuses an analyst who forces a change (403), and nothing changes', async () => {
		const st = await pa.evaluate(async (id) => {
			const s = await (await fetch('api/v1/session')).json();
			const r = await fetch(`api/v1/incidents/${id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: JSON.stringify({ priority: 'critical' }) });
			return r.status;
		}, incA);
		const d = must(await call(hs, 'GET', `incidents/${incA}`), 'GET incident', 200);
		const i = d.incident && typeof d.incident === 'object' ? d.incident : d;
		return st === 403 && i.priority !== 'critical' ? true : fail({ st, priority: i.priority });
	});
	await tap.run('the analyst (browser language ja) gets Japanese labels; switching to English changes them', async () => {
		await go(pa, '#/queue');
		const nav = await pa.locator('#inc-nav [data-route="queue"]').innerText();
		const h2 = await pa.locator('#view h2').innerText();
		const role = await pa.locator('#role').innerText();
		const g = await gen(pa);
		await pa.click('[data-lang="en"]');
		await settled(pa, g);
		const navEn = await pa.locator('#inc-nav [data-route="queue"]').innerText();
		return nav === ja['nav.queue'] && h2 === ja['queue.title'] && role === ja['role.analyst'] && navEn === en['nav.queue'] ? true : fail({ nav, h2, role, navEn });
	});
	await pa.context().close();

	// ---- merge ---------------------------------------------------------------------------
	const b = await submit({ subject: `Phishing ${nonce} B`, body: `Another page at https://pay-${nonce}-b.example.test/` });
	const incB = Number(b.incident ?? incidentOf(must(await call(hs, 'GET', `reports/${b.id}`), 'GET report', 200)));
	await tap.run('merging an incident by its reference in the page moves its report and marks it merged', async () => {
		if (incA === incB) return fail('the two test reports were linked into one incident');
		const bi = must(await call(hs, 'GET', `incidents/${incB}`), 'GET incident', 200);
		const ref = (bi.incident && bi.incident.ref) || bi.ref;
		await go(page, `#/incident/${incA}`);
		await page.fill('#merge-from', ref);
		const g = await gen(page);
		await page.click('#merge-go');
		await settled(page, g);
		const after = must(await call(hs, 'GET', `incidents/${incB}`), 'GET incident', 200);
		const bStatus = (after.incident && after.incident.status) || after.status;
		const shownReports = await page.locator('#incident-reports tbody').innerText();
		return bStatus === 'merged' && shownReports.includes(b.ack) && shownReports.includes(a.ack) ? true : fail({ ref, bStatus, shownReports });
	});

	await tap.run('the incident list filtered by status shows what the API lists for that status', async () => {
		await go(page, '#/incidents?status=merged');
		const refs = await page.locator('#incident-table tbody tr td:first-child').allInnerTexts();
		const api = must(await call(hs, 'GET', 'incidents?status=merged'), 'GET incidents', 200).incidents.map((i) => i.ref);
		const sel = await page.locator('#filter-status').inputValue();
		return sel === 'merged' && refs.length >= 1 && same(refs, api) ? true : fail({ refs, api, sel });
	});
	await tap.run("a handler triages a report and sets its TLP from the report's page", async () => {
		await go(page, `#/report/${b.id}`);
		let g = await gen(page);
		await page.click('#report-triage');
		await settled(page, g);
		await page.selectOption('#report-tlp', 'green');
		g = await gen(page);
		await page.click('#report-tlp-save');
		await settled(page, g);
		const r = must(await call(hs, 'GET', `reports/${b.id}`), 'GET report', 200);
		const shownTlp = await page.locator('dl.k-fields .k-tlp').first().getAttribute('data-tlp');
		return r.status === 'triaged' && r.tlp === 'green' && shownTlp === 'green' ? true : fail({ status: r.status, tlp: r.tlp, shownTlp });
	});
	await tap.run('moving a report to a new incident (split) from its page opens the new incident', async () => {
		const g = await gen(page);
		await page.click('#report-split');
		await settled(page, g);
		const m = /^#\/incident\/(\d+)$/.exec(await page.evaluate(() => location.hash));
		const r = must(await call(hs, 'GET', `reports/${b.id}`), 'GET report', 200);
		const now = incidentOf(r);
		const shownReports = m ? await page.locator('#incident-reports tbody').innerText() : '';
		return m && Number(m[1]) === now && now !== incA && shownReports.includes(b.ack) ? true : fail({ hash: m && m[0], now, incA });
	});

	// ---- search --------------------------------------------------------------------------
	for (const [lang, word] of [['Japanese', jaWord], ['English', enWord]]) {
		await tap.run(`searching in ${lang} from the header finds the form's report`, async () => {
			await page.fill('#nav-search-q', word);
			const g = await gen(page);
			await page.press('#nav-search-q', 'Enter');
			await settled(page, g);
			const acks = await page.locator('#search-results tbody tr td:first-child').allInnerTexts();
			const api = must(await call(hs, 'GET', `search?q=${encodeURIComponent(word)}`), 'GET search', 200);
			const apiAcks = (api.reports || api.results || []).map((r) => r.ack);
			return formAck && acks.includes(formAck) && same(acks, apiAcks) ? true : fail({ formAck, acks, apiAcks });
		});
	}

	// ---- quarter statistics ----------------------------------------------------------------
	// Planted in fiscal 2024 Q2 (July-September 2024):
	// three phishing reports in August (three incidents), two scan reports in September merged
	// into one incident.
	const at = (m, d) => Math.floor(Date.UTC(2024, m - 1, d, 3, 0, 0) / 1000);
	const planted = [];
	for (let k = 0; k < 3; k++) planted.push(await submit({ subject: `stat ${nonce} phish ${k}`, body: `https://stat-${nonce}-${k}.example.test/x`, received: at(8, 5 + k) }));
	const s1 = await submit({ subject: `stat ${nonce} scan 1`, body: 'scan from 192.0.2.77', received: at(9, 10) });
	const s2 = await submit({ subject: `stat ${nonce} scan 2`, body: 'scan from 198.51.100.77', received: at(9, 12) });
	const incOf = async (r) => Number(r.incident ?? incidentOf(must(await call(hs, 'GET', `reports/${r.id}`), 'GET report', 200)));
	for (const r of planted) must(await call(hs, 'PATCH', `incidents/${await incOf(r)}`, { rsit_class: 'fraud', rsit_type: 'phishing', category: 'phishing' }), 'PATCH incident', 200, 204);
	const i1 = await incOf(s1);
	const i2 = await incOf(s2);
	if (i1 !== i2) must(await call(hs, 'POST', `incidents/${i1}/merge`, { from: [i2] }), 'merge', 200, 201, 204);
	must(await call(hs, 'PATCH', `incidents/${i1}`, { rsit_class: 'information-gathering', rsit_type: 'scanner', category: 'scan' }), 'PATCH incident', 200, 204);
	await tap.run('the quarter statistics page shows the planted counts per category and month', async () => {
		await go(page, '#/stats?quarter=2024Q2');
		const row = async (table, cat) => page.locator(`#${table} tbody tr[data-category="${cat}"] td`).allInnerTexts();
		const pr = await row('stats-reports', 'phishing');
		const pi = await row('stats-incidents', 'phishing');
		const sr = await row('stats-reports', 'scan');
		const si = await row('stats-incidents', 'scan');
		const heads = await page.locator('#stats-reports thead th').allInnerTexts();
		const ok = same(pr.slice(0, 4), ['0', '3', '0', '3']) && same(pi.slice(0, 4), ['0', '3', '0', '3']) && same(sr.slice(0, 4), ['0', '0', '2', '2']) && same(si.slice(0, 4), ['0', '0', '1', '1']);
		return ok && heads[1] === en['stats.month'].replace('{month}', '7').replace('{year}', '2024') ? true : fail({ pr, pi, sr, si, heads });
	});
	await tap.run('the quarter chooser lists the current quarter and loads another', async () => {
		const opts = await page.locator('#stats-quarter option').evaluateAll((o) => o.map((x) => x.value));
		await page.selectOption('#stats-quarter', opts[1]);
		await page.waitForFunction((q) => location.hash === `#/stats?quarter=${q}` && document.body.dataset.state === 'ready', opts[1]);
		const heading = await page.locator('#stats-heading').innerText();
		return opts.length >= 8 && /^\d{4}Q[1-4]$/.test(opts[0]) && heading.length > 0 ? true : fail({ opts, heading });
	});

	await tap.run('on a 390×844 phone screen the form, the queue and an incident need no sideways scrolling', async () => {
		const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', isMobile: true });
		const ph = await ctx.newPage();
		const wide = {};
		const over = () => ph.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		await ph.goto(new URL('report.html', base).toString());
		await ph.waitForFunction(() => document.body.dataset.state === 'ready');
		wide.form = await over();
		await login(ph, HANDLER);
		wide.queue = await over();
		await go(ph, `#/incident/${incA}`);
		wide.incident = await over();
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
