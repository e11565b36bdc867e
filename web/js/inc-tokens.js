// My API tokens (#/tokens, every signed-in user): GET/POST /api/v1/me/tokens and
// DELETE /api/v1/me/tokens/NAME. The list never holds a token's text; a new token's text is
// shown once, in this page's DOM only (not kept in a variable or in storage), with a copy button.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { get, post, del } from './iapi.js';
import { shown } from './safe.js';
import { time, errorBox, empty } from './inc-common.js';
import { field, clearErrors, showFieldError, NAME_RE } from './inc-forms.js';

async function listInto(box, msg) {
	const d = await get('me/tokens');
	const list = Array.isArray(d.tokens) ? d.tokens : [];
	const cols = ['tokens.name', 'tokens.created', 'tokens.last_used', 'tokens.delete'];
	const rows = list.map((k) => {
		const name = String(k.name || '');
		return h('tr', { dataset: { token: name } },
			h('td', null, shown(name)), h('td', null, time(k.created)), h('td', null, k.last_used ? time(k.last_used) : t('tokens.never')),
			h('td', null, h('button', {
				type: 'button', class: 't-delete', onclick: async () => {
					try {
						await del(`me/tokens/${encodeURIComponent(name)}`);
						clear(msg, h('span', { class: 'k-okmsg' }, t('tokens.deleted', { name })));
						await listInto(box, msg);
					} catch (e) {
						clear(msg, errorBox(e));
					}
				},
			}, t('tokens.delete'))));
	});
	clear(box, rows.length ? h('div', { class: 'k-table-wrap' }, h('table', { class: 'k-table', id: 'token-table' },
		h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, t(c))))), h('tbody', null, rows))) : empty('tokens.empty'));
}

// secretBox(name, token): the new token's text with a copy button and the warning.
function secretBox(name, token) {
	const text = h('input', { id: 'token-secret', readonly: true, value: token, size: Math.min(80, token.length + 2), spellcheck: 'false', autocomplete: 'off', 'aria-label': t('tokens.secret_label') });
	const state = h('span', { id: 'token-copy-state', role: 'status' });
	const copy = h('button', {
		type: 'button', id: 'token-copy', onclick: async () => {
			try {
				if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
				await navigator.clipboard.writeText(text.value);
				clear(state, t('tokens.copied'));
			} catch {
				text.focus();
				text.select();
				clear(state, t('tokens.copy_by_hand'));
			}
		},
	}, t('tokens.copy'));
	return h('div', { class: 'k-notice', id: 'token-new', role: 'alert' },
		h('p', null, t('tokens.secret_title', { name })),
		h('p', { class: 'k-inline k-secret' }, text, copy, state),
		h('p', { id: 'token-warning' }, h('strong', null, t('tokens.secret_warning'))));
}

export async function renderTokens(root) {
	clear(root, h('h2', null, t('tokens.title')), h('p', { class: 'k-lead' }, t('tokens.lead')));
	const msg = h('div', { id: 'tokens-msg', role: 'status' });
	const box = h('div', { id: 'tokens-list' });
	await listInto(box, msg);
	const name = h('input', { id: 'tk-name', name: 'name', autocomplete: 'off', maxlength: 64, size: 20 });
	const fresh = h('div', { id: 'token-fresh' });
	const form = h('form', { class: 'k-edit', id: 'token-add', novalidate: true, onsubmit: async (e) => {
		e.preventDefault();
		clearErrors(form);
		clear(msg);
		clear(fresh);
		const n = name.value.trim();
		if (!NAME_RE.test(n)) return void showFieldError(form, 'name', 'bad_field');
		try {
			const r = await post('me/tokens', { name: n });
			name.value = '';
			if (typeof r.token === 'string' && r.token) clear(fresh, secretBox(String(r.name || n), r.token));
			await listInto(box, msg);
		} catch (err) {
			if (err && err.code === 'exists') showFieldError(form, 'name', 'exists');
			else clear(msg, errorBox(err));
		}
	} }, field('tokens.name', name, 'name'), h('button', { type: 'submit', id: 'tk-go' }, t('tokens.create')));
	root.append(msg, box, h('h3', null, t('tokens.create')), form, fresh);
}
