// Showing text that came from a report or another outside source. Nothing here makes a link or
// parses HTML: values become text nodes inside <bdi> (the surrounding text's direction cannot be
// reordered by them), and characters that change the direction or order of text, or are invisible,
// are replaced by a visible marker such as [U+202E] (class k-ctl), so "exe.txt"-style tricks show.
import { h } from './dom.js';
import { t } from './i18n.js';

// Bidi embeddings/overrides/isolates and marks, zero-width characters, C0/C1 controls other than
// tab and newline, the Arabic letter mark and the byte order mark.
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

export function marker(ch) {
	return `[U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`;
}

// plainText(s): the string with every hidden character replaced by its marker (for titles,
// option labels and attribute values).
export function plainText(s) {
	return String(s ?? '').replace(HIDDEN, marker);
}

// parts(s): text nodes and k-ctl spans for a string.
function parts(s) {
	const out = [];
	const str = String(s ?? '');
	let last = 0;
	for (const m of str.matchAll(HIDDEN)) {
		if (m.index > last) out.push(document.createTextNode(str.slice(last, m.index)));
		out.push(h('span', { class: 'k-ctl', title: t('safe.control') }, marker(m[0])));
		last = m.index + m[0].length;
	}
	if (last < str.length) out.push(document.createTextNode(str.slice(last)));
	return out;
}

// shown(s, cls): a <bdi> with the value, hidden characters as markers; '—' for null/empty.
export function shown(s, cls) {
	if (s === null || s === undefined || s === '') return h('span', { class: 'k-dim' }, '—');
	return h('bdi', { class: cls ? `k-val ${cls}` : 'k-val' }, parts(s));
}

// pre(s): a <pre> for a report's readable text, with the same markers; never HTML.
export function pre(s) {
	return h('pre', { class: 'k-pre', dir: 'ltr' }, parts(s));
}
