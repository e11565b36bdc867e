// Contacts: the registry of organisations (networks, ASNs, domains, abuse addresses) that
// candidate parties come from. Analysts read; handlers create and edit.
import { h, clear, table } from './dom.js';
import { t } from './i18n.js';
import { get, post, patch } from './iapi.js';
import { shown } from './safe.js';
import { canWrite, label, appLink, errorBox, empty } from './inc-common.js';

const TYPES = ['isp', 'hosting', 'csirt', 'site_owner', 'vendor', 'registrar', 'other'];
const list = (v) => (Array.isArray(v) ? v : v === null || v === undefined || v === '' ? [] : [v]);
const joined = (v) => list(v).map((x) => (typeof x === 'object' && x !== null ? x.cidr ?? x.asn ?? x.domain ?? x.address ?? x.mail ?? JSON.stringify(x) : String(x))).join(', ');

export async function renderContacts(root, params) {
	const q = params.get('q') || '';
	const input = h('input', { type: 'search', id: 'contact-q', value: q, autocomplete: 'off' });
	const form = h('form', { class: 'k-searchform', id: 'contact-search', onsubmit: (e) => {
		e.preventDefault();
		location.hash = `#/contacts${input.value ? `?q=${encodeURIComponent(input.value)}` : ''}`;
	} }, h('label', null, t('contacts.search'), ' ', input), h('button', { type: 'submit' }, t('search.go')));
	clear(root, h('h2', null, t('contacts.title')), form);
	if (canWrite()) root.appendChild(h('p', null, h('a', { href: '#/contact/new', id: 'contact-new', class: 'k-button' }, t('contacts.new'))));
	const d = await get('contacts', { q });
	const orgs = Array.isArray(d.contacts) ? d.contacts : Array.isArray(d.orgs) ? d.orgs : Array.isArray(d.organisations) ? d.organisations : [];
	const cols = ['contact.name', 'contact.type', 'contact.country', 'contact.abuse', 'contact.networks', 'contact.asns', 'contact.domains'].map((k) => ({ label: t(k) }));
	root.appendChild(orgs.length ? table(cols, orgs.map((o) => [appLink('contact', o.id, o.name), label('ctype', o.type), shown(o.country), shown(joined(o.abuse)), shown(joined(o.networks)), shown(joined(o.asns)), shown(joined(o.domains))]), { id: 'contact-table' }) : empty('contacts.empty'));
}

const lines = (s) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

export async function renderContact(root, id) {
	const isNew = id === 'new';
	const o = isNew ? {} : await get(`contacts/${id}`);
	const c = o.contact && typeof o.contact === 'object' ? o.contact : o;
	const ro = !canWrite();
	const text = (name, v, extra) => h('input', { id: `c-${name}`, name, value: v ?? '', disabled: ro, autocomplete: 'off', ...extra });
	const area = (name, v) => {
		const el = h('textarea', { id: `c-${name}`, name, rows: 3, cols: 40, disabled: ro });
		el.value = v;
		return el;
	};
	const f = {
		name: text('name', c.name, { required: true }),
		type: h('select', { id: 'c-type', disabled: ro }, TYPES.map((k) => h('option', { value: k }, label('ctype', k)))),
		country: text('country', c.country, { size: 2, maxlength: 2 }),
		lang: h('select', { id: 'c-lang', disabled: ro }, h('option', { value: 'ja' }, '日本語'), h('option', { value: 'en' }, 'English')),
		abuse: area('abuse', list(c.abuse).map(String).join('\n')),
		networks: area('networks', joined(c.networks).split(', ').join('\n')),
		asns: area('asns', joined(c.asns).split(', ').join('\n')),
		domains: area('domains', joined(c.domains).split(', ').join('\n')),
		pgp_key: area('pgp_key', c.pgp_key || ''),
		note: area('note', c.note || ''),
	};
	f.type.value = TYPES.includes(c.type) ? c.type : 'other';
	f.lang.value = c.lang === 'en' ? 'en' : 'ja';
	const msg = h('div', { class: 'k-flash', role: 'status' });
	const form = h('form', { class: 'k-edit', id: 'contact-form', onsubmit: async (e) => {
		e.preventDefault();
		const body = {
			name: f.name.value.trim(), type: f.type.value, country: f.country.value.trim().toUpperCase(), lang: f.lang.value,
			abuse: lines(f.abuse.value), networks: lines(f.networks.value), asns: lines(f.asns.value).map((x) => Number(x.replace(/^AS/i, ''))),
			domains: lines(f.domains.value), pgp_key: f.pgp_key.value, note: f.note.value,
		};
		try {
			if (isNew) {
				const r = await post('contacts', body);
				location.hash = `#/contact/${Number(r.id)}`;
			} else {
				await patch(`contacts/${id}`, body);
				clear(msg, t('action.saved'));
			}
		} catch (err) {
			clear(msg, errorBox(err));
		}
	} }, h('div', { class: 'k-grid-form' },
		[['contact.name', 'name'], ['contact.type', 'type'], ['contact.country', 'country'], ['contact.lang', 'lang'], ['contact.abuse', 'abuse'], ['contact.networks', 'networks'], ['contact.asns', 'asns'], ['contact.domains', 'domains'], ['contact.pgp_key', 'pgp_key'], ['contact.note', 'note']].map(([k, n]) => h('label', null, t(k), f[n]))),
	ro ? null : h('button', { type: 'submit', id: 'contact-save' }, t('action.save')), msg);
	clear(root, h('h2', null, isNew ? t('contacts.new') : shown(c.name)), form, h('p', null, h('a', { href: '#/contacts' }, t('contacts.back'))));
}
