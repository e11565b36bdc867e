// Shared by the incident pages: the signed-in user, the taxonomy, labels, small builders.
import { h, clear } from './dom.js';
import { t, has, lang } from './i18n.js';
import { get } from './iapi.js';
import { shown } from './safe.js';

// The signed-in user: {user, role, expires} or null. The CSRF value is kept by iapi.js only.
export const session = { user: null };

export function canWrite() {
	const r = session.user && session.user.role;
	return r === 'handler' || r === 'admin';
}

// The vocabularies of GET /api/v1/taxonomy, normalised: lists of {key, en, ja} (types also
// class and category). Missing lists stay empty, and keys are then shown as they are.
export const tax = { classes: [], types: [], categories: [], tlp: [], priorities: [], statuses: [], report_statuses: [], channels: [] };

function terms(v) {
	if (!Array.isArray(v)) return [];
	return v.map((x) => (typeof x === 'string' ? { key: x } : { ...x, key: x.key ?? x.id ?? x.value ?? x.type ?? '' }));
}

export async function loadTaxonomy() {
	if (tax.loaded) return;
	const d = await get('taxonomy');
	const pick = (...names) => terms(names.map((n) => d[n]).find((v) => Array.isArray(v)));
	tax.classes = pick('rsit', 'rsit_classes', 'classes');
	tax.types = pick('rsit_types', 'types').map((x) => ({ ...x, class: x.class ?? x.class_key ?? x.rsit_class ?? '', key: x.type ?? x.type_key ?? x.rsit_type ?? x.key }));
	// a class list may carry its types inside
	if (!tax.types.length) {
		for (const c of tax.classes) for (const ty of terms(c.types)) tax.types.push({ ...ty, class: c.key });
	}
	tax.categories = pick('categories');
	tax.tlp = pick('tlp', 'tlps', 'tlp_labels');
	tax.priorities = pick('priorities');
	tax.statuses = pick('statuses', 'incident_statuses', 'incident_status');
	tax.report_statuses = pick('report_statuses', 'report_status');
	tax.channels = pick('channels');
	tax.loaded = true;
}

function nameOf(term) {
	if (!term) return null;
	const n = term.name && typeof term.name === 'object' ? term.name : term;
	return n[lang()] || n.en || null;
}

// label(kind, key): a vocabulary term's name in the current language: from the catalog
// (kind.key), else from the taxonomy, else the key itself.
export function label(kind, key) {
	if (key === null || key === undefined || key === '') return '—';
	if (has(`${kind}.${key}`)) return t(`${kind}.${key}`);
	const list = { category: tax.categories, tlp: tax.tlp, priority: tax.priorities, status: tax.statuses, rstatus: tax.report_statuses, channel: tax.channels, rclass: tax.classes }[kind] || [];
	return nameOf(list.find((x) => x.key === key)) || String(key);
}

export function typeLabel(cls, type) {
	if (!type) return '—';
	return nameOf(tax.types.find((x) => x.key === type && (!cls || x.class === cls))) || String(type);
}

// tlpBadge(v): the TLP label as a coloured badge (class from a fixed list, never from the value).
export function tlpBadge(v) {
	const known = ['clear', 'green', 'amber', 'amber+strict', 'red'];
	const k = String(v || '').toLowerCase().replace(/^tlp:/, '');
	const cls = known.includes(k) ? `k-tlp k-tlp-${k.replace('+', '-')}` : 'k-tlp';
	return h('span', { class: cls, dataset: { tlp: known.includes(k) ? k : '' } }, k ? `TLP:${known.includes(k) ? k.toUpperCase() : shownPlain(k)}` : '—');
}

function shownPlain(s) {
	return String(s).replace(/[^\x20-\x7e]/g, '?');
}

// select(options, value, attrs): a <select>; options are [value, label] pairs.
export function select(options, value, attrs) {
	const s = h('select', attrs, options.map(([v, l]) => h('option', { value: v }, l)));
	s.value = value ?? '';
	if (s.value !== (value ?? '') && value) {
		s.appendChild(h('option', { value }, String(value)));
		s.value = value;
	}
	return s;
}

// link to a page of this app: #/kind/ID with a numeric id only.
export function appLink(kind, id, text) {
	const n = Number(id);
	if (!Number.isSafeInteger(n) || n <= 0) return shown(text);
	return h('a', { href: `#/${kind}/${n}` }, shown(text));
}

// time(unix): date and time in JST for the language.
export function time(unix) {
	const n = Number(unix);
	if (!unix || !Number.isFinite(n)) return '—';
	return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', {
		timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
	}).format(new Date(n * 1000));
}

// date(unix): the day in JST.
export function date(unix) {
	const n = Number(unix);
	if (!unix || !Number.isFinite(n)) return '—';
	return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(n * 1000));
}

// errorText(e): an API error in the current language (by code, never the server's message).
export function errorText(e) {
	const code = e && e.code ? e.code : 'http';
	const base = has(`error.${code}`) ? t(`error.${code}`) : t('error.unknown', { code });
	return e && e.field ? `${base} (${e.field})` : base;
}

export function errorBox(e) {
	return h('p', { class: 'k-error', role: 'alert', dataset: { code: (e && e.code) || 'http' } }, errorText(e));
}

// fields(pairs): a definition list of [label, value-node] pairs.
export function fields(pairs) {
	return h('dl', { class: 'k-fields' }, pairs.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export function empty(key) {
	return h('p', { class: 'k-empty' }, t(key));
}
