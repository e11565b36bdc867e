// Entering a report by hand (#/report/new, handlers): a report received by fax or phone, or
// pasted from elsewhere, sent as POST /api/v1/reports; the server extracts its indicators and
// links it to an incident as it does for mail.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { post } from './iapi.js';
import { shown } from './safe.js';
import { canWrite, label, typeLabel, select, errorBox, tax } from './inc-common.js';
import { field, clearErrors, showFieldError } from './inc-forms.js';

const CHANNELS = ['fax', 'phone', 'api'];
// the fields of POST /api/v1/reports that a 422 may name; each has an error line in the form
const FIELDS = ['channel', 'received', 'reporter', 'reporter_email', 'subject', 'body', 'tlp', 'rsit_class', 'rsit_type'];

// What the last report entered here answered, for the notice on its page (memory only).
let entered = null;

const pad = (n) => String(n).padStart(2, '0');

// localValue(date): the value of a datetime-local input for date, in the browser's zone.
function localValue(d) {
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// zoneName(): "UTC+09:00" for the browser's offset now.
function zoneName() {
	const off = -new Date().getTimezoneOffset();
	const a = Math.abs(off);
	return `UTC${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

export function renderNewReport(root) {
	clear(root, h('h2', null, t('newreport.title')));
	if (!canWrite()) {
		root.appendChild(errorBox({ code: 'forbidden' }));
		return;
	}
	const f = {
		channel: select(CHANNELS.map((k) => [k, label('channel', k)]), 'fax', { id: 'nr-channel', name: 'channel' }),
		received: h('input', { type: 'datetime-local', id: 'nr-received', name: 'received', required: true, value: localValue(new Date()) }),
		reporter: h('input', { id: 'nr-reporter', name: 'reporter', autocomplete: 'off', maxlength: 1000 }),
		reporter_email: h('input', { id: 'nr-reporter_email', name: 'reporter_email', inputmode: 'email', autocomplete: 'off', maxlength: 1000 }),
		subject: h('input', { id: 'nr-subject', name: 'subject', autocomplete: 'off', size: 60, maxlength: 1000 }),
		body: h('textarea', { id: 'nr-body', name: 'body', rows: 12, cols: 80 }),
		tlp: select([['', t('newreport.tlp_default')], ...(tax.tlp.length ? tax.tlp.map((x) => x.key) : ['clear', 'green', 'amber', 'amber+strict', 'red']).map((k) => [k, label('tlp', k)])], '', { id: 'nr-tlp', name: 'tlp' }),
		rsit_class: select([['', '—'], ...tax.classes.map((c) => [c.key, label('rclass', c.key)])], '', { id: 'nr-class', name: 'rsit_class' }),
		rsit_type: h('select', { id: 'nr-type', name: 'rsit_type' }),
	};
	const fillTypes = () => {
		clear(f.rsit_type, h('option', { value: '' }, '—'), tax.types.filter((x) => x.class === f.rsit_class.value).map((x) => h('option', { value: x.key }, typeLabel(x.class, x.key))));
	};
	fillTypes();
	f.rsit_class.addEventListener('change', fillTypes);
	const msg = h('div', { class: 'k-flash', id: 'nr-msg', role: 'status' });
	const send = h('button', { type: 'submit', id: 'nr-send' }, t('newreport.send'));
	const form = h('form', { class: 'k-edit', id: 'newreport-form', novalidate: true, onsubmit: async (e) => {
		e.preventDefault();
		clearErrors(form);
		clear(msg);
		const when = f.received.value ? new Date(f.received.value).getTime() : NaN;
		if (!Number.isFinite(when) || when < 0) {
			showFieldError(form, 'received', 'bad_field');
			return;
		}
		const body = { channel: f.channel.value, received: Math.floor(when / 1000) };
		for (const k of ['reporter', 'reporter_email', 'subject']) if (f[k].value.trim()) body[k] = f[k].value.trim();
		if (f.body.value.trim()) body.body = f.body.value;
		if (f.tlp.value) body.tlp = f.tlp.value;
		if (f.rsit_class.value || f.rsit_type.value) {
			body.rsit_class = f.rsit_class.value;
			body.rsit_type = f.rsit_type.value;
		}
		send.disabled = true;
		try {
			const r = await post('reports', body);
			const id = Number(r.id);
			if (!Number.isSafeInteger(id) || id <= 0) throw Object.assign(new Error(), { code: 'bad_answer' });
			entered = { id, ack: String(r.ack || ''), newIncident: r.new_incident === true, duplicate: r.duplicate === true };
			location.hash = `#/report/${id}`;
		} catch (err) {
			send.disabled = false;
			if (err && err.field && FIELDS.includes(err.field) && showFieldError(form, err.field, err.code)) return;
			clear(msg, errorBox(err));
		}
	} },
	h('div', { class: 'k-grid-form' },
		field('newreport.channel', f.channel, 'channel'),
		field('newreport.received', f.received, 'received', { note: t('newreport.received_note', { zone: zoneName() }) }),
		field('report.reporter', f.reporter, 'reporter'),
		field('report.reporter_email', f.reporter_email, 'reporter_email'),
		field('report.subject', f.subject, 'subject', { wide: true }),
		field('report.text', f.body, 'body', { wide: true }),
		field('report.tlp', f.tlp, 'tlp'),
		field('incident.rsit_class', f.rsit_class, 'rsit_class'),
		field('incident.rsit_type', f.rsit_type, 'rsit_type')),
	send, msg);
	root.append(h('p', { class: 'k-lead' }, t('newreport.lead')), form);
}

// enteredNotice(id): on the page of a report just entered here, a notice with its number and
// what happened to its incident; null for any other report.
export function enteredNotice(id) {
	if (!entered || entered.id !== id) return null;
	const e = entered;
	entered = null;
	return h('p', { class: 'k-okmsg', id: 'report-entered', role: 'status' },
		t(e.duplicate ? 'newreport.duplicate' : 'newreport.entered'), ' ', shown(e.ack, 'k-ack'),
		e.duplicate ? null : [' ', t(e.newIncident ? 'newreport.new_incident' : 'newreport.linked')]);
}
