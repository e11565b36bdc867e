// The public report form (report.html): no sign-in; POST /api/v1/public/reports and show the
// acknowledgement number the server gives.
import { h, clear } from './dom.js';
import { loadCatalogs, initialLang, setLang, lang, t, has, applyStatic } from './i18n.js';
import { post } from './iapi.js';

const $ = (id) => document.getElementById(id);
let last = null; // {ack} or {error}

function render() {
	applyStatic();
	document.title = t('form.title');
	for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
	const out = $('form-result');
	if (!last) clear(out);
	else if (last.ack) clear(out, h('p', { class: 'k-okmsg' }, t('form.thanks'), ' ', h('strong', { id: 'ack' }, String(last.ack))));
	else {
		const code = last.error.code || 'http';
		clear(out, h('p', { class: 'k-error', role: 'alert', dataset: { code } }, has(`error.${code}`) ? t(`error.${code}`) : t('error.unknown', { code })));
	}
}

async function submit(e) {
	e.preventDefault();
	const btn = $('f-send');
	btn.disabled = true;
	try {
		const r = await post('public/reports', { name: $('f-name').value, email: $('f-email').value, body: $('f-body').value, lang: lang() });
		last = { ack: r.ack };
		$('report-form').reset();
	} catch (err) {
		last = { error: err };
	}
	btn.disabled = false;
	render();
	document.body.dataset.state = 'ready';
}

async function start() {
	try {
		await loadCatalogs();
	} catch {
		$('form-result').textContent = 'keikai: the message catalogs could not be loaded / メッセージカタログを読み込めません';
		return;
	}
	setLang(initialLang(), false);
	for (const b of document.querySelectorAll('[data-lang]')) {
		b.addEventListener('click', () => {
			setLang(b.dataset.lang, true);
			render();
		});
	}
	$('report-form').addEventListener('submit', submit);
	render();
	document.body.dataset.state = 'ready';
}

start();
