// Users (#/users, administrators): the list of GET /api/v1/users, adding a user
// (POST /api/v1/users) and changing one (PATCH /api/v1/users/NAME: role, disabled, password).
// The page is built for every role, but only an administrator gets an answer from the API: for
// anyone else GET /api/v1/users is 403 and the page shows that error.
import { h, clear } from './dom.js';
import { t, has } from './i18n.js';
import { get, post, patch } from './iapi.js';
import { shown } from './safe.js';
import { session, select, time, errorBox, empty } from './inc-common.js';
import { field, clearErrors, showFieldError, NAME_RE, passwordOk, passwordBytes } from './inc-forms.js';

const ROLES = ['analyst', 'handler', 'admin'];
const roleName = (r) => (has(`role.${r}`) ? t(`role.${r}`) : shown(r));
const langName = (l) => (has(`lang.${l}`) ? t(`lang.${l}`) : shown(l));

// A message shown once above the list after the page is built again (memory only).
let notice = null;

function say(msgEl, key, params) {
	clear(msgEl, h('span', { class: 'k-okmsg' }, t(key, params)));
}

function userRow(u, go) {
	const name = String(u.name || '');
	const me = session.user && session.user.user === name;
	const msg = h('span', { class: 'u-msg', role: 'status' });
	const change = async (body, key) => {
		try {
			await patch(`users/${encodeURIComponent(name)}`, body);
			notice = { key, params: { name } };
			go();
		} catch (e) {
			clear(msg, errorBox(e));
		}
	};
	const role = select(ROLES.map((r) => [r, roleName(r)]), u.role, { class: 'u-role', 'aria-label': t('users.role') });
	const pw = h('input', { type: 'password', class: 'u-password', autocomplete: 'new-password', size: 14, 'aria-label': t('users.new_password'), placeholder: t('users.new_password') });
	const controls = me ? [h('span', { class: 'k-meta' }, t('users.self'))] : [
		h('span', { class: 'k-inline' }, role, h('button', { type: 'button', class: 'u-role-save', onclick: () => change({ role: role.value }, 'users.role_set') }, t('users.set_role'))),
		' ',
		h('button', { type: 'button', class: 'u-toggle', onclick: () => change({ disabled: !u.disabled }, u.disabled ? 'users.enabled' : 'users.disabled_done') }, t(u.disabled ? 'users.enable' : 'users.disable')),
	];
	controls.push(' ', h('span', { class: 'k-inline' }, pw, h('button', {
		type: 'button', class: 'u-password-save', onclick: () => {
			if (!passwordOk(pw.value)) {
				clear(msg, h('span', { class: 'k-fielderr', dataset: { code: 'bad_field' } }, t('fielderr.password', { n: passwordBytes(pw.value) })));
				return;
			}
			const v = pw.value;
			pw.value = '';
			change({ password: v }, 'users.password_set');
		},
	}, t('users.set_password'))), ' ', msg);
	return h('tr', { dataset: { user: name, disabled: u.disabled ? 'true' : 'false' } },
		h('td', null, shown(name)), h('td', null, shown(u.display)), h('td', { class: 'u-role-now' }, roleName(u.role)), h('td', null, langName(u.lang)),
		h('td', { class: 'u-state' }, t(u.disabled ? 'users.state_disabled' : 'users.state_enabled')),
		h('td', null, u.last_login ? time(u.last_login) : t('users.never')),
		h('td', { class: 'u-change' }, controls));
}

function addForm(go) {
	const f = {
		name: h('input', { id: 'ua-name', name: 'name', autocomplete: 'off', maxlength: 64, size: 16 }),
		display: h('input', { id: 'ua-display', name: 'display', autocomplete: 'off', size: 24 }),
		role: select(ROLES.map((r) => [r, roleName(r)]), 'analyst', { id: 'ua-role', name: 'role' }),
		lang: select([['ja', langName('ja')], ['en', langName('en')]], 'ja', { id: 'ua-lang', name: 'lang' }),
		password: h('input', { type: 'password', id: 'ua-password', name: 'password', autocomplete: 'new-password', size: 16 }),
		password2: h('input', { type: 'password', id: 'ua-password2', name: 'password2', autocomplete: 'new-password', size: 16 }),
	};
	const msg = h('div', { class: 'k-flash', id: 'ua-msg', role: 'status' });
	const form = h('form', { class: 'k-edit', id: 'user-add', novalidate: true, onsubmit: async (e) => {
		e.preventDefault();
		clearErrors(form);
		clear(msg);
		const name = f.name.value.trim();
		if (!NAME_RE.test(name)) return void showFieldError(form, 'name', 'bad_field');
		if (new TextEncoder().encode(f.display.value).length > 128) return void showFieldError(form, 'display', 'bad_field');
		if (!passwordOk(f.password.value)) return void showFieldError(form, 'password', 'bad_field', { n: passwordBytes(f.password.value) });
		if (f.password.value !== f.password2.value) return void showFieldError(form, 'password2', 'bad_field');
		try {
			await post('users', { name, display: f.display.value.trim(), role: f.role.value, lang: f.lang.value, password: f.password.value });
			f.password.value = '';
			f.password2.value = '';
			notice = { key: 'users.added', params: { name } };
			go();
		} catch (err) {
			clear(msg, errorBox(err));
		}
	} },
	h('div', { class: 'k-grid-form' },
		field('users.name', f.name, 'name'), field('users.display', f.display, 'display'), field('users.role', f.role, 'role'), field('users.lang', f.lang, 'lang'),
		field('users.password', f.password, 'password', { note: t('users.password_note') }), field('users.password2', f.password2, 'password2')),
	h('button', { type: 'submit', id: 'ua-go' }, t('users.add')), msg);
	return form;
}

export async function renderUsers(root, go) {
	clear(root, h('h2', null, t('users.title')));
	const d = await get('users');
	const users = Array.isArray(d.users) ? d.users : [];
	const flash = h('div', { id: 'users-msg', role: 'status' });
	if (notice) say(flash, notice.key, notice.params);
	notice = null;
	const cols = ['users.name', 'users.display', 'users.role', 'users.lang', 'users.state', 'users.last_login', 'users.change'];
	const tbl = h('div', { class: 'k-table-wrap' }, h('table', { class: 'k-table', id: 'user-table' },
		h('thead', null, h('tr', null, cols.map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', null, users.map((u) => userRow(u, go)))));
	root.append(h('p', { class: 'k-lead' }, t('users.lead')), flash, users.length ? tbl : empty('users.empty'), h('h3', null, t('users.add')), addForm(go));
}
