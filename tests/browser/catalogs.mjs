// The web UI's message catalogs and sources, checked without a browser: both languages have the
// same keys and placeholders, every key the page uses exists, every error code of the API
// contract has a message, and no script builds HTML from strings.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tap, same } from './lib/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const web = path.join(root, 'web');
const tap = new Tap();
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const en = JSON.parse(read('web/i18n/en.json'));
const ja = JSON.parse(read('web/i18n/ja.json'));
const scripts = fs.readdirSync(path.join(web, 'js')).filter((f) => f.endsWith('.js')).map((f) => [f, read(`web/js/${f}`)]);
const html = read('web/index.html');
const pages = fs.readdirSync(web).filter((f) => f.endsWith('.html')).map((f) => read(`web/${f}`)).join('\n');

const enKeys = Object.keys(en).sort();
const jaKeys = Object.keys(ja).sort();
tap.ok(same(enKeys, jaKeys), 'en.json and ja.json have the same keys', {
	only_en: enKeys.filter((k) => !(k in ja)),
	only_ja: jaKeys.filter((k) => !(k in en)),
});

const holes = (s) => (s.match(/\{\w+\}/g) || []).sort();
const badHoles = enKeys.filter((k) => k in ja && !same(holes(en[k]), holes(ja[k])));
tap.ok(badHoles.length === 0, 'each message has the same placeholders in both languages', badHoles);

const empty = [...enKeys.filter((k) => typeof en[k] !== 'string' || !en[k].trim()), ...jaKeys.filter((k) => typeof ja[k] !== 'string' || !ja[k].trim())];
tap.ok(empty.length === 0, 'no message is empty', empty);

// Japanese messages are Japanese: every one that is not a name or abbreviation (TCP, AS...)
// has kana or kanji.
const nameLike = /^[A-Za-z0-9 .\-—{}()/]+$/;
const japanese = /[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]/;
const untranslated = jaKeys.filter((k) => !japanese.test(ja[k]) && !(ja[k] === en[k] && nameLike.test(en[k])));
tap.ok(untranslated.length === 0, 'Japanese messages are written in Japanese', untranslated);

const used = new Set();
for (const [, src] of scripts) for (const m of src.matchAll(/\bt\('([a-z0-9_.]+)'/g)) used.add(m[1]);
for (const m of pages.matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1]);
for (const m of pages.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1].split(',')) used.add(pair.split(':')[1].trim());
const keyish = /'((?:report|incident|incidents|contact|contacts|ind|stats|candidates|queue|search|timeline|merge|login|form|newreport|users|tokens|fielderr)\.[a-z0-9_]+)'/g;
for (const [f, src] of scripts) if (/^(inc-|report-form)/.test(f)) for (const m of src.matchAll(keyish)) used.add(m[1]);
const missing = [...used].filter((k) => !(k in en) || !(k in ja));
tap.ok(used.size > 50 && missing.length === 0, `every key the page names exists in both catalogs (${used.size} keys)`, missing);

// Error codes of docs/api-obs.md: the ingest table's `code` column and the examples' "code".
const doc = read('docs/api-obs.md');
const codes = new Set();
for (const m of doc.matchAll(/^\|\s*\d{3}\s*\|\s*`([a-z_]+)`/gm)) codes.add(m[1]);
for (const m of doc.matchAll(/"code":\s*"([a-z_]+)"/g)) codes.add(m[1]);
for (const m of doc.matchAll(/`(\d{3}) ([a-z_]+)`/g)) codes.add(m[2]);
const noMessage = [...codes].filter((c) => !(`error.${c}` in en) || !(`error.${c}` in ja));
tap.ok(codes.size >= 10 && noMessage.length === 0, `every error code of docs/api-obs.md has a message (${[...codes].join(', ')})`, noMessage);

// Error codes of docs/api-incident.md ("401 `bad_login`", "403 `csrf`", "422 `bad_field`"...).
const idoc = read('docs/api-incident.md');
const icodes = new Set();
for (const m of idoc.matchAll(/\b\d{3} `([a-z_]+)`/g)) icodes.add(m[1]);
// and every code of an "Errors:" paragraph ("Errors: 400 `bad_json`, `bad_query`; 422 ...")
for (const para of idoc.split(/\n\s*\n/)) {
	const at = para.indexOf('Errors:');
	if (at >= 0) for (const m of para.slice(at).matchAll(/`([a-z][a-z_]+)`/g)) icodes.add(m[1]);
}
const noIMessage = [...icodes].filter((c) => !(`error.${c}` in en) || !(`error.${c}` in ja));
tap.ok(icodes.size >= 5 && noIMessage.length === 0, `every error code of docs/api-incident.md has a message (${[...icodes].join(', ')})`, noIMessage);

// Vocabularies of src/incident/taxonomy.c the incident pages label from the catalogs.
const taxc = read('src/incident/taxonomy.c');
const block = (name) => {
	const m = new RegExp(`${name}\\[\\] = \\{([\\s\\S]*?)\\{NULL`).exec(taxc);
	return m ? [...m[1].matchAll(/\{"([a-z_+]+)",/g)].map((x) => x[1]) : [];
};
const vocab = { category: block('tax_categories'), priority: block('tax_priorities'), status: block('tax_incident_status'), rstatus: block('tax_report_status'), channel: block('tax_channels') };
const noVocab = Object.entries(vocab).flatMap(([p, vs]) => vs.filter((v) => !(`${p}.${v}` in en) || !(`${p}.${v}` in ja)).map((v) => `${p}.${v}`));
const nVocab = Object.values(vocab).reduce((a, v) => a + v.length, 0);
tap.ok(nVocab >= 20 && noVocab.length === 0, `categories, priorities, statuses and channels of taxonomy.c have labels (${nVocab})`, noVocab);

// Status values and protocols the API names get translated labels.
const doms = { health: ['ok', 'late', 'silent', 'never'], proto: ['tcp', 'udp', 'icmp', 'icmp6', 'other'] };
const noLabel = Object.entries(doms).flatMap(([p, vs]) => vs.filter((v) => !(`${p}.${v}` in en)).map((v) => `${p}.${v}`));
tap.ok(noLabel.length === 0, 'sensor states and protocols have labels', noLabel);

// Text from the API must never be parsed as HTML.
const sinks = /\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|createContextualFragment|\beval\(|new Function\(/;
const offenders = scripts.filter(([, src]) => sinks.test(src)).map(([f]) => f);
tap.ok(scripts.length >= 5 && offenders.length === 0, 'no script uses an HTML-parsing sink (innerHTML, insertAdjacentHTML, document.write...)', offenders);

// The incident pages never make a link from outside text: every href they set is a route of the
// page itself ('#/...') or an API address built by iapi.js's url().
const hrefs = [];
for (const [f, src] of scripts) if (/^(inc-|report-form|safe|iapi)/.test(f)) for (const m of src.matchAll(/\bhref:\s*([^,}]+)/g)) if (!/^(['`]#\/|url\()/.test(m[1].trim())) hrefs.push(`${f}: ${m[1].trim()}`);
const hrefCount = scripts.filter(([f]) => /^inc-/.test(f)).reduce((a, [, src]) => a + (src.match(/\bhref:/g) || []).length, 0);
tap.ok(hrefCount >= 3 && hrefs.length === 0, `incident pages link only to their own routes and the API (${hrefCount} links)`, hrefs);
if (/setAttribute\(\s*['"](href|src|style)|\.href\s*=|\.src\s*=/.test(scripts.filter(([f]) => /^(inc-|report-form|safe|iapi)/.test(f)).map(([, s]) => s).join('\n'))) tap.ok(false, 'no incident script sets href, src or style through setAttribute or a property');
else tap.ok(true, 'no incident script sets href, src or style through setAttribute or a property');

// Only uPlot draws charts: no other chart library or canvas code of our own.
const canvas = scripts.filter(([, src]) => /getContext\(|<canvas|createElement\('canvas'\)/.test(src)).map(([f]) => f);
tap.ok(canvas.length === 0 && /vendor\/uPlot\.iife\.min\.js/.test(html), 'charts come from the vendored uPlot only', canvas);

// The build copies what web/meson.build lists: a file missing there would not be rebuilt.
const listed = new Set([...read('web/meson.build').matchAll(/'([\w./-]+\.(?:html|css|js|json))'/g)].map((m) => m[1]));
const onDisk = [];
(function walk(dir) {
	for (const e of fs.readdirSync(path.join(web, dir), { withFileTypes: true })) {
		const rel = dir ? `${dir}/${e.name}` : e.name;
		if (e.isDirectory()) walk(rel);
		else if (e.name !== 'meson.build') onDisk.push(rel);
	}
})('');
const unlisted = onDisk.filter((f) => !listed.has(f));
tap.ok(onDisk.length >= 10 && unlisted.length === 0, 'web/meson.build lists every file of web/', unlisted);

tap.done();
