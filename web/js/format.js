// Numbers, dates and labels in the current language. Dates are shown in the server's zone
// (JST, Asia/Tokyo, unless /ranges says otherwise).
import { lang, t } from './i18n.js';

let zone = 'Asia/Tokyo';

// setZone(offset): the IANA zone for the server's "+09:00"-style offset.
export function setZone(offset) {
	if (!offset || offset === '+09:00') {
		zone = 'Asia/Tokyo';
		return;
	}
	const m = /^([+-])(\d{2}):00$/.exec(offset);
	// Etc/GMT zones have the sign reversed: +05:00 is Etc/GMT-5
	zone = m ? (Number(m[2]) === 0 ? 'UTC' : `Etc/GMT${m[1] === '+' ? '-' : '+'}${Number(m[2])}`) : 'UTC';
}

export function timeZone() {
	return zone;
}

function locale() {
	return lang() === 'ja' ? 'ja-JP' : 'en-GB';
}

// num(v, digits): a number with grouping; null/undefined as a dash.
export function num(v, digits = 0) {
	if (v === null || v === undefined || Number.isNaN(v)) return '—';
	return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(v);
}

export function pct(v) {
	if (v === null || v === undefined) return '—';
	return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(v);
}

// day(unix): a short date ("24 Feb" / "2月24日").
export function day(unix) {
	return new Intl.DateTimeFormat(locale(), { timeZone: zone, month: 'short', day: 'numeric' }).format(new Date(unix * 1000));
}

// dayLong(unix): with the year.
export function dayLong(unix) {
	return new Intl.DateTimeFormat(locale(), { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(unix * 1000));
}

// dateTime(iso): an ISO 8601 time from the API, in the zone; the raw text if it does not parse.
export function dateTime(iso) {
	if (iso === null || iso === undefined || iso === '') return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return String(iso);
	return new Intl.DateTimeFormat(locale(), {
		timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
	}).format(d);
}

// duration(seconds): "3 h 20 min" style.
export function duration(s) {
	if (s === null || s === undefined) return '—';
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	return h > 0 ? t('unit.hours_minutes', { h, m }) : t('unit.minutes', { m });
}

// portLabel(proto, port): "23/TCP".
export function portLabel(proto, port) {
	return `${port}/${String(proto).toUpperCase()}`;
}

// regionName(r): the name in the current language, else English, else the code.
export function regionName(r) {
	const n = r && r.name;
	if (n && typeof n === 'object') return n[lang()] || n.en || r.code;
	if (typeof n === 'string' && n) return n;
	return r && r.code ? String(r.code) : '—';
}

// rangeLabel(range): a /ranges entry's label in the current language, else its id.
export function rangeLabel(range) {
	if (!range) return '';
	const l = range.label;
	if (l && typeof l === 'object') return l[lang()] || l.en || range.id;
	return range.id || '';
}
