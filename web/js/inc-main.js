// keikai incident handling: one page (incident.html) with hash routes. Asks the server who is
// signed in (GET /api/v1/session); without a session only the sign-in form is shown.
//   #/queue  #/report/ID  #/incidents?status=&category=&owner=  #/incident/ID  #/search?q=
//   #/stats?quarter=  #/contacts?q=  #/contact/ID|new  #/login
//   #/report/new (handlers)  #/users (administrators)  #/tokens
import { h, clear } from './dom.js';
import { loadCatalogs, initialLang, setLang, lang, t, has, applyStatic } from './i18n.js';
import { get, post, del, setCsrf } from './iapi.js';
import { session, loadTaxonomy, errorBox } from './inc-common.js';
import { shown } from './safe.js';
import { renderQueue, renderReport, renderSearch } from './inc-reports.js';
import { renderIncidents, renderIncident } from './inc-incidents.js';
import { renderStats } from './inc-stats.js';
import { renderContacts, renderContact } from './inc-contacts.js';
import { renderNewReport, enteredNotice } from './inc-newreport.js';
import { renderUsers } from './inc-users.js';
import { renderTokens } from './inc-tokens.js';

const $ = (id) => document.getElementById(id);
let generation = 0;

function parseHash() {
	const raw = location.hash.replace(/^#\/?/, '');
	const qi = raw.indexOf('?');
	const path = (qi >= 0 ? raw.slice(0, qi) : raw).split('/').filter(Boolean);
	const params = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
	return { path, params };
}

function renderHeader() {
	applyStatic();
	for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
	const who = $('who');
	const u = session.user;
	clear(who, u ? [shown(u.display || u.user), ' ', h('span', { class: 'k-role', id: 'role' }, has(`role.${u.role}`) ? t(`role.${u.role}`) : shown(u.role)), ' ', h('button', { type: 'button', id: 'logout', onclick: logout }, t('login.logout'))] : []);
	$('inc-nav').hidden = !u;
	const { path } = parseHash();
	const here = path[0] === 'report' && path[1] === 'new' ? 'report/new' : path[0] || 'queue';
	// entries for a role (data-role) are left out for the others; the API refuses them anyway
	const rank = { reader: 1, analyst: 1, handler: 2, admin: 3 };
	for (const a of document.querySelectorAll('#inc-nav a[data-role]')) a.hidden = !u || (rank[u.role] || 0) < (rank[a.dataset.role] || 9);
	for (const a of document.querySelectorAll('#inc-nav a')) {
		if (a.dataset.route === here) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
}

function done(state) {
	generation += 1;
	document.body.dataset.generation = String(generation);
	document.body.dataset.state = state;
}

function renderLogin(root, e) {
	const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true });
	const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
	const msg = h('div', { id: 'login-msg', role: 'alert' }, e ? errorBox(e) : null);
	const form = h('form', { id: 'login-form', class: 'k-login', onsubmit: async (ev) => {
		ev.preventDefault();
		try {
			const s = await post('session', { user: user.value, password: pass.value });
			setCsrf(s.csrf);
			session.user = { user: s.user, role: s.role, expires: s.expires, display: s.display };
			pass.value = '';
			if (!location.hash || location.hash.startsWith('#/login')) location.hash = '#/queue';
			else route();
		} catch (err) {
			clear(msg, errorBox(err));
			pass.value = '';
		}
	} },
	h('label', null, t('login.user'), user), h('label', null, t('login.password'), pass), h('button', { type: 'submit', id: 'login-go' }, t('login.go')), msg);
	clear(root, h('h2', null, t('login.title')), form);
	user.focus();
}

async function logout() {
	try {
		await del('session');
	} catch {
		/* the session may already be gone: sign out locally either way */
	}
	setCsrf('');
	session.user = null;
	if (location.hash === '#/login') route();
	else location.hash = '#/login';
}

let seq = 0;

async function route() {
	const view = $('view');
	const mine = ++seq;
	// a page is built off-screen and shown only if no newer route started meanwhile
	const root = h('div', { class: 'k-page' });
	const show = () => {
		if (mine === seq) clear(view, root);
		return mine === seq;
	};
	document.body.dataset.state = 'loading';
	renderHeader();
	const { path, params } = parseHash();
	if (!session.user || path[0] === 'login') {
		if (session.user) {
			location.hash = '#/queue';
			return;
		}
		if (show()) renderLogin(root);
		done('ready');
		return;
	}
	const id = path[1] && /^\d+$/.test(path[1]) ? Number(path[1]) : null;
	try {
		await loadTaxonomy().catch(() => null);
		switch (path[0] || 'queue') {
		case 'queue': await renderQueue(root); break;
		case 'report':
			if (path[1] === 'new') renderNewReport(root);
			else if (id) {
				await renderReport(root, id, route);
				const note = enteredNotice(id);
				if (note) root.firstChild.after(note);
			} else throw Object.assign(new Error(), { code: 'not_found' });
			break;
		case 'incidents': await renderIncidents(root, params, route); break;
		case 'incident': if (id) await renderIncident(root, id, route); else throw Object.assign(new Error(), { code: 'not_found' }); break;
		case 'search': await renderSearch(root, params.get('q') || ''); break;
		case 'stats': await renderStats(root, params); break;
		case 'contacts': await renderContacts(root, params); break;
		case 'contact': await renderContact(root, path[1] === 'new' ? 'new' : id || 0); break;
		case 'users': await renderUsers(root, route); break;
		case 'tokens': await renderTokens(root); break;
		default: throw Object.assign(new Error(), { code: 'not_found' });
		}
		if (show()) done('ready');
	} catch (e) {
		if (mine !== seq) return;
		if (e && e.status === 401) {
			session.user = null;
			setCsrf('');
			renderHeader();
			show();
			renderLogin(root, e);
			done('ready');
			return;
		}
		clear(root, errorBox(e));
		show();
		done('ready');
	}
}

async function start() {
	try {
		await loadCatalogs();
	} catch {
		$('view').textContent = 'keikai: the message catalogs could not be loaded / メッセージカタログを読み込めません';
		document.body.dataset.state = 'failed';
		return;
	}
	setLang(initialLang(), false);
	try {
		const s = await get('session');
		setCsrf(s.csrf);
		session.user = { user: s.user, role: s.role, expires: s.expires, display: s.display };
	} catch {
		session.user = null;
	}
	for (const b of document.querySelectorAll('[data-lang]')) {
		b.addEventListener('click', () => {
			setLang(b.dataset.lang, true);
			route();
		});
	}
	const q = $('nav-search-q');
	$('nav-search').addEventListener('submit', (e) => {
		e.preventDefault();
		location.hash = `#/search?q=${encodeURIComponent(q.value)}`;
	});
	window.addEventListener('hashchange', route);
	await route();
}

// For tests and the console: read-only facts about the page.
Object.defineProperty(window, 'keikaiIncident', {
	value: Object.freeze({
		get generation() {
			return generation;
		},
		get user() {
			return session.user ? Object.freeze({ ...session.user }) : null;
		},
	}),
	writable: false,
	configurable: false,
});

start();
