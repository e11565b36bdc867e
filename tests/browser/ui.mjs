// The web UI in headless chromium against the server at KEIKAI_URL. Every expected value is read
// from that server's API (and its catalogs) by the test itself, then compared with the page.
import { Tap, baseUrl, launch, getJson, same, fail } from './lib/harness.mjs';

const base = baseUrl();
const tap = new Tap();
const HOSTILE = '<img src=x onerror=window.__pwned=1>';

const label = (p) => `${p.port}/${String(p.proto).toUpperCase()}`;
const api = (path, params) => {
	const q = new URLSearchParams(params || {}).toString();
	return getJson(base, `api/v1/obs/${path}${q ? `?${q}` : ''}`);
};

const catalogs = { en: (await getJson(base, 'i18n/en.json')).body, ja: (await getJson(base, 'i18n/ja.json')).body };
const ranges = (await api('ranges')).body;

// The console errors a page may legitimately cause: the browser's own "Failed to load resource"
// line for an answer this test has confirmed to be an error (401 for non-public events, the
// deliberately bad range).
const expectedFailures = new Set();
let badRange = null; // the range the error test asks for on purpose
for (const ep of ['scanners', 'dos']) {
	const r = await api(ep, { range: ranges.current_quarter });
	if (r.status === 401) expectedFailures.add(`/api/v1/obs/${ep}`);
}

function watch(page) {
	const errors = [];
	page.on('console', (m) => {
		if (m.type() !== 'error') return;
		const loc = m.location() && m.location().url ? new URL(m.location().url) : null;
		if (loc && m.text().startsWith('Failed to load resource') && (expectedFailures.has(loc.pathname) || (badRange && loc.searchParams.get('range') === badRange))) return;
		errors.push(`${m.text()} @ ${loc ? loc.href : '?'}`);
	});
	page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
	return errors;
}

async function ready(page, after) {
	await page.waitForFunction((g) => document.body.dataset.state === 'ready' && Number(document.body.dataset.generation) > g, after ?? 0, { timeout: 20000 });
	return page.evaluate(() => window.keikai.generation);
}

const charts = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.keikai.charts)));

const browser = await launch();
try {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
	const page = await ctx.newPage();
	const errors = watch(page);
	await page.goto(base);
	let gen = await ready(page);

	await tap.run('page loads and draws without console errors', async () => {
		const sel = await page.evaluate(() => window.keikai.selection);
		if (sel.range !== ranges.current_quarter) return fail(`default range ${sel.range}, expected ${ranges.current_quarter}`);
		return errors.length === 0 ? true : fail(errors.join('\n'));
	});
	if (errors.length) console.log(`# ${errors.join('\n# ')}`);

	const q = ranges.current_quarter;
	const y = ranges.current_year;
	const top = {
		q15: (await api('ports/top', { range: q, n: 5, offset: 0 })).body.ports,
		q610: (await api('ports/top', { range: q, n: 5, offset: 5 })).body.ports,
		y15: (await api('ports/top', { range: y, n: 5, offset: 0 })).body.ports,
		y610: (await api('ports/top', { range: y, n: 5, offset: 5 })).body.ports,
	};
	const c = await charts(page);
	for (const [name, key] of [['main-top1_5', 'q15'], ['main-top6_10', 'q610'], ['year-top1_5', 'y15'], ['year-top6_10', 'y610']]) {
		await tap.run(`chart ${name} has 5 series labelled with the API's ports in rank order`, async () => {
			const want = top[key].map(label);
			const got = c[name] ? c[name].labels : null;
			const legend = await page.locator(`[data-chart="${name}"] .u-legend`).innerText();
			const inLegend = want.every((l) => legend.includes(l));
			return want.length === 5 && same(got, want) && inLegend ? true : fail({ want, got, legend });
		});
	}

	await tap.run("plotted values of the top port equal the API's series", async () => {
		const p = top.q15[0];
		const s = (await api('ports/series', { range: q, ports: `${p.proto}/${p.port}`, bucket: 'day' })).body;
		const d = c['main-top1_5'].data;
		return same(d[0], s.t) && same(d[1], s.series[0].packets) ? true : fail({ t: [d[0].length, s.t.length], first: [d[1].slice(0, 5), s.series[0].packets.slice(0, 5)] });
	});

	await tap.run("protocol chart's TCP values equal the API's totals", async () => {
		const tot = (await api('totals', { range: q, bucket: 'day' })).body;
		const i = c.totals.meta.protos.indexOf('tcp');
		return i >= 0 && same(c.totals.data[0], tot.t) && same(c.totals.data[i + 1], tot.tcp);
	});

	await tap.run('region chart and table show the top countries with English names', async () => {
		const reg = (await api('regions/top', { range: q, n: 10 })).body;
		const names = await page.locator('#regions-body .k-table tbody tr td:nth-child(2)').allInnerTexts();
		const want = reg.regions.map((r) => r.name.en);
		return same(c.regions.meta.codes, reg.regions.map((r) => r.code)) && same(names, want) ? true : fail({ names, want });
	});

	await tap.run("surges of charted ports are marked on the chart at the surge's day", async () => {
		const sg = (await api('surges', { range: q })).body.surges;
		const labels = c['main-top1_5'].labels;
		const want = sg.filter((s) => labels.includes(label(s))).map((s) => s.t).sort();
		if (!want.length) return { skip: 'no surge on a top 1-5 port in this range' };
		const got = c['main-top1_5'].markers.map((m) => m.t).sort();
		const dom = await page.locator('[data-chart="main-top1_5"] .k-marker').count();
		return same(got, want) && dom === want.length ? true : fail({ want, got, dom });
	});

	for (const [ep, key, col, fmt] of [['surges', 'surges', 2, label], ['scanners', 'scanners', 1, (r) => r.src], ['dos', 'attacks', 1, (r) => r.victim]]) {
		await tap.run(`${ep} table shows the API's rows (or the not-public notice on 401)`, async () => {
			const r = await api(ep, { range: q });
			const box = page.locator(`#events-${ep}`);
			if (r.status === 401) {
				const text = await box.locator('[data-code="not_public"]').innerText();
				return text === catalogs.en['events.not_public'] ? true : fail(text);
			}
			const rows = r.body[key];
			if (!rows.length) return (await box.locator('.k-empty').count()) === 1;
			const cells = await box.locator(`.k-table tbody tr td:nth-child(${col})`).allInnerTexts();
			return same(cells, rows.map(fmt)) ? true : fail({ cells, want: rows.map(fmt) });
		});
	}

	await tap.run('the surges CSV link answers text/csv', async () => {
		const href = await page.locator('#events-surges a.k-csv').getAttribute('href');
		const r = await fetch(new URL(href, base));
		const body = await r.text();
		return r.status === 200 && /^text\/csv/.test(r.headers.get('content-type')) && body.includes(',') && new URL(href, base).searchParams.get('range') === q;
	});

	await tap.run("a sensor's chart shows its packets from the API", async () => {
		const sensors = (await api('sensors')).body.sensors;
		if (!sensors.length) return { skip: 'the server has no sensor' };
		await page.locator('#sensors-body button.k-pick').first().click();
		gen = await ready(page, gen);
		const tot = (await api('totals', { range: q, sensor: sensors[0].name, bucket: 'day' })).body;
		const s = (await charts(page)).sensor;
		return s && s.meta.sensor === sensors[0].name && same(s.data[1], tot.packets) ? true : fail(s ? s.meta : 'no chart');
	});

	await tap.run('the language switch shows Japanese, persists across reload, and switches back', async () => {
		const title = () => page.locator('#ports h2').innerText();
		const bad = [];
		if ((await title()) !== catalogs.en['ports.title']) bad.push('en title before');
		await page.click('[data-lang="ja"]');
		gen = await ready(page, gen);
		if ((await title()) !== catalogs.ja['ports.title']) bad.push('ja title');
		if ((await page.locator('[data-chart="main-top1_5"] .u-legend').count()) !== 1) bad.push('chart after switch');
		if ((await page.getAttribute('html', 'lang')) !== 'ja') bad.push('html lang');
		const head = await page.locator('#period-main .k-table thead th').first().innerText();
		if (head !== catalogs.ja['table.rank']) bad.push(`table header ${head}`);
		await page.reload();
		gen = await ready(page);
		if ((await title()) !== catalogs.ja['ports.title']) bad.push('ja after reload');
		await page.click('[data-lang="en"]');
		gen = await ready(page, gen);
		if ((await title()) !== catalogs.en['ports.title']) bad.push('en after switch back');
		await page.reload();
		gen = await ready(page);
		if ((await title()) !== catalogs.en['ports.title']) bad.push('en after reload');
		return bad.length ? fail(bad.join(', ')) : true;
	});

	await tap.run('choosing another range reloads the charts with that range', async () => {
		const other = ranges.ranges.find((r) => r.kind === 'quarter' && r.id !== q);
		if (!other) return { skip: 'the server lists one quarter only' };
		await page.selectOption('#range-select', other.id);
		gen = await ready(page, gen);
		const cc = await charts(page);
		const want = (await api('ports/top', { range: other.id, n: 5, offset: 0 })).body.ports.map(label);
		const url = new URL(page.url());
		return cc['main-top1_5'].meta.range === other.id && same(cc['main-top1_5'].labels, want) && url.searchParams.get('range') === other.id
			? true
			: fail({ meta: cc['main-top1_5'].meta, want, got: cc['main-top1_5'].labels });
	});

	await tap.run('an API error is shown by its translated code, in English and Japanese', async () => {
		const bad = `no-such-range-${Date.now()}`;
		const r = await api('overview', { range: bad });
		const code = r.body && r.body.error && r.body.error.code;
		if (r.status < 400 || !code) return fail(`server answered ${r.status} to range=${bad}`);
		badRange = bad;
		await page.goto(`${base}?range=${bad}`);
		gen = await ready(page);
		const en = await page.locator(`#period-main .k-error[data-code="${code}"]`).innerText();
		await page.click('[data-lang="ja"]');
		gen = await ready(page, gen);
		const ja = await page.locator(`#period-main .k-error[data-code="${code}"]`).innerText();
		await page.click('[data-lang="en"]');
		gen = await ready(page, gen);
		badRange = null;
		return en === catalogs.en[`error.${code}`] && ja === catalogs.ja[`error.${code}`] ? true : fail({ code, en, ja });
	});

	await tap.run('a hostile sensor and org in the page address stay text', async () => {
		const p2 = await ctx.newPage();
		const errs = watch(p2);
		await p2.goto(`${base}?sensor=${encodeURIComponent(HOSTILE)}`);
		await ready(p2);
		const note = await p2.locator('#filter-note').innerText();
		const opt = await p2.locator('#sensor-select option:checked').innerText();
		await p2.goto(`${base}?org=${encodeURIComponent(HOSTILE)}`);
		await ready(p2);
		const note2 = await p2.locator('#filter-note').innerText();
		const pwned = await p2.evaluate(() => window.__pwned);
		const imgs = await p2.locator('img').count();
		await p2.close();
		void errs;
		return note.includes(HOSTILE) && opt === HOSTILE && note2.includes(HOSTILE) && pwned === undefined && imgs === 0 ? true : fail({ note, opt, note2, pwned, imgs });
	});

	await tap.run("hostile sensor or org names from the API are shown as text", async () => {
		const sensors = (await api('sensors')).body.sensors;
		const orgs = (await api('orgs')).body.orgs;
		const names = sensors.map((s) => String(s.name)).filter((n) => /[<>&"']/.test(n));
		const orgNames = orgs.map((o) => String(o.name)).filter((n) => /[<>&"']/.test(n));
		if (!names.length && !orgNames.length) return { skip: 'the server has no sensor or org name with markup characters' };
		await page.goto(base);
		gen = await ready(page);
		const cells = await page.locator('#sensors-body .k-table tbody tr td:nth-child(1)').allInnerTexts();
		const options = await page.locator('#sensor-select option, #org-select option').allInnerTexts();
		const pwned = await page.evaluate(() => window.__pwned);
		const imgs = await page.locator('img, script:not([src])').count();
		const ok = names.every((n) => cells.includes(n) && options.includes(n)) && orgNames.every((n) => options.includes(n)) && pwned === undefined && imgs === 0;
		return ok ? true : fail({ names, orgNames, cells, pwned, imgs });
	});

	await tap.run('no console errors over the whole run', async () => (errors.length === 0 ? true : fail(errors.join('\n'))));
	await ctx.close();

	const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	const pp = await phone.newPage();
	await tap.run('fits a phone screen (390x844) without horizontal scrolling', async () => {
		await pp.goto(base);
		await ready(pp);
		const m = await pp.evaluate(() => ({
			sw: document.documentElement.scrollWidth,
			cw: document.documentElement.clientWidth,
			charts: Object.values(window.keikai.charts).map((c) => c.width),
		}));
		return m.sw <= m.cw && m.cw <= 390 && m.charts.length > 0 && m.charts.every((w) => w <= m.cw) ? true : fail(m);
	});
	await phone.close();

	const jaCtx = await browser.newContext({ locale: 'ja-JP' });
	const jp = await jaCtx.newPage();
	await tap.run('a Japanese browser gets Japanese by default', async () => {
		await jp.goto(base);
		await ready(jp);
		return (await jp.locator('#ports h2').innerText()) === catalogs.ja['ports.title'];
	});
	await jaCtx.close();
} finally {
	await browser.close();
}
tap.done();
