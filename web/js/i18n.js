// Message catalogs (i18n/en.json, i18n/ja.json) and the current language.
export const LANGS = ['en', 'ja'];
const STORE_KEY = 'keikai.lang';
const catalogs = { en: {}, ja: {} };
let current = 'en';

// loadCatalogs(): fetch both catalogs; a missing one is an error (the page cannot speak).
export async function loadCatalogs() {
	await Promise.all(
		LANGS.map(async (l) => {
			const r = await fetch(new URL(`i18n/${l}.json`, document.baseURI));
			if (!r.ok) throw new Error(`catalog ${l}: HTTP ${r.status}`);
			catalogs[l] = await r.json();
		})
	);
}

// initialLang(): the remembered choice, else the browser's language, else English.
export function initialLang() {
	let saved = null;
	try {
		saved = localStorage.getItem(STORE_KEY);
	} catch {
		saved = null;
	}
	if (LANGS.includes(saved)) return saved;
	const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
	return nav.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function lang() {
	return current;
}

// setLang(l, remember): switch; remember stores the choice for the next visit.
export function setLang(l, remember) {
	current = LANGS.includes(l) ? l : 'en';
	document.documentElement.lang = current;
	if (remember) {
		try {
			localStorage.setItem(STORE_KEY, current);
		} catch {
			/* storage refused (private mode): the choice lasts for this page only */
		}
	}
}

// has(key): whether the catalog of the current language (or English) has key.
export function has(key) {
	return key in catalogs[current] || key in catalogs.en;
}

// t(key, params): the message for key with {name} placeholders filled in (as text).
export function t(key, params) {
	let s = catalogs[current][key];
	if (s === undefined) s = catalogs.en[key];
	if (s === undefined) return key;
	if (params) s = s.replace(/\{(\w+)\}/g, (m, n) => (n in params ? String(params[n]) : m));
	return s;
}

// applyStatic(root): fill elements marked data-i18n="key" (text) and
// data-i18n-attr="attr:key[,attr:key]" (attributes).
export function applyStatic(root = document) {
	for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
	for (const el of root.querySelectorAll('[data-i18n-attr]')) {
		for (const pair of el.dataset.i18nAttr.split(',')) {
			const [attr, key] = pair.split(':');
			el.setAttribute(attr.trim(), t(key.trim()));
		}
	}
	document.title = t('app.title');
}
