// The incident list and an incident's page: classification and handling fields (editable by
// handlers only), indicators with enrichment, candidate parties, reports, timeline, merge.
import { h, clear, table } from './dom.js';
import { t, has, lang } from './i18n.js';
import { get, patch, post } from './iapi.js';
import { shown } from './safe.js';
import { canWrite, label, typeLabel, tlpBadge, select, appLink, time, date, errorBox, fields, empty, tax } from './inc-common.js';
import { indicatorTable, enrichAll } from './inc-reports.js';

const keys = (list, fallback) => (list.length ? list.map((x) => x.key) : fallback);

export async function renderIncidents(root, params, go) {
	const f = { status: params.get('status') || '', category: params.get('category') || '', owner: params.get('owner') || '' };
	const status = select([['', t('filter.any')], ...keys(tax.statuses, ['open', 'resolved', 'rejected', 'merged']).map((k) => [k, label('status', k)])], f.status, { id: 'filter-status', name: 'status' });
	const cat = select([['', t('filter.any')], ...keys(tax.categories, []).map((k) => [k, label('category', k)])], f.category, { id: 'filter-category', name: 'category' });
	const owner = h('input', { id: 'filter-owner', name: 'owner', value: f.owner, autocomplete: 'off', size: 12 });
	const form = h('form', { class: 'k-filters', id: 'incident-filters', onsubmit: (e) => {
		e.preventDefault();
		const q = new URLSearchParams();
		if (status.value) q.set('status', status.value);
		if (cat.value) q.set('category', cat.value);
		if (owner.value.trim()) q.set('owner', owner.value.trim());
		const s = q.toString();
		location.hash = `#/incidents${s ? `?${s}` : ''}`;
		go();
	} },
	h('label', null, t('incident.status'), ' ', status),
	h('label', null, t('incident.category'), ' ', cat),
	h('label', null, t('incident.owner'), ' ', owner),
	h('button', { type: 'submit' }, t('filter.apply')));
	clear(root, h('h2', null, t('incidents.title')), form);
	const d = await get('incidents', f);
	const list = Array.isArray(d.incidents) ? d.incidents : [];
	const cols = ['incident.ref', 'incident.title', 'incident.status', 'incident.category', 'incident.tlp', 'incident.priority', 'incident.owner', 'incident.opened', 'incident.reports'].map((k) => ({ label: t(k) }));
	root.appendChild(list.length ? table(cols, list.map((i) => [
		appLink('incident', i.id, i.ref || `#${i.id}`), appLink('incident', i.id, i.title || t('incident.untitled')),
		label('status', i.status), label('category', i.category), tlpBadge(i.tlp), label('priority', i.priority), shown(i.owner),
		time(i.opened), String(Array.isArray(i.reports) ? i.reports.length : i.reports ?? '—'),
	]), { id: 'incident-table' }) : empty('incidents.empty'));
}

function readOnlyFields(i) {
	return fields([
		[t('incident.status'), label('status', i.status)],
		[t('incident.rsit_class'), label('rclass', i.rsit_class)],
		[t('incident.rsit_type'), typeLabel(i.rsit_class, i.rsit_type)],
		[t('incident.category'), label('category', i.category)],
		[t('incident.tlp'), tlpBadge(i.tlp)],
		[t('incident.owner'), shown(i.owner)],
		[t('incident.priority'), label('priority', i.priority)],
		[t('incident.due'), date(i.due)],
		[t('incident.opened'), time(i.opened)],
	]);
}

function dueInput(due) {
	const el = h('input', { type: 'date', id: 'inc-due', name: 'due' });
	if (due) el.value = new Date((Number(due) + 9 * 3600) * 1000).toISOString().slice(0, 10);
	return el;
}

function editForm(i, id, go) {
	const msg = h('div', { class: 'k-flash', role: 'status' });
	const title = h('input', { id: 'inc-title', name: 'title', value: i.title || '', size: 50 });
	const status = select(keys(tax.statuses, ['open', 'resolved', 'rejected']).filter((k) => k !== 'merged' || i.status === 'merged').map((k) => [k, label('status', k)]), i.status, { id: 'inc-status' });
	const cls = select([['', '—'], ...tax.classes.map((c) => [c.key, label('rclass', c.key)])], i.rsit_class, { id: 'inc-class' });
	const type = h('select', { id: 'inc-type' });
	const fillTypes = () => {
		clear(type, h('option', { value: '' }, '—'), tax.types.filter((x) => x.class === cls.value).map((x) => h('option', { value: x.key }, typeLabel(x.class, x.key))));
	};
	fillTypes();
	type.value = i.rsit_type || '';
	cls.addEventListener('change', fillTypes);
	const cat = select([['', t('incident.category_auto')], ...keys(tax.categories, []).map((k) => [k, label('category', k)])], i.category, { id: 'inc-category' });
	const tlp = select(keys(tax.tlp, ['clear', 'green', 'amber', 'amber+strict', 'red']).map((k) => [k, label('tlp', k)]), i.tlp, { id: 'inc-tlp' });
	const owner = h('input', { id: 'inc-owner', name: 'owner', value: i.owner || '', size: 16, autocomplete: 'off' });
	const prio = select(keys(tax.priorities, ['low', 'normal', 'high', 'critical']).map((k) => [k, label('priority', k)]), i.priority, { id: 'inc-priority' });
	const due = dueInput(i.due);
	const form = h('form', { class: 'k-edit', id: 'incident-edit', onsubmit: async (e) => {
		e.preventDefault();
		const body = {};
		const put = (k, v, old) => {
			if ((v ?? '') !== (old ?? '')) body[k] = v;
		};
		put('title', title.value, i.title);
		put('status', status.value, i.status);
		put('rsit_class', cls.value, i.rsit_class);
		put('rsit_type', type.value, i.rsit_type);
		put('category', cat.value, i.category);
		put('tlp', tlp.value, i.tlp);
		put('owner', owner.value.trim(), i.owner);
		put('priority', prio.value, i.priority);
		const dueUnix = due.value ? Math.floor(Date.parse(`${due.value}T00:00:00+09:00`) / 1000) : null;
		if ((dueUnix ?? 0) !== Number(i.due || 0)) body.due = dueUnix;
		if (!Object.keys(body).length) return;
		try {
			await patch(`incidents/${id}`, body);
			go();
		} catch (err) {
			clear(msg, errorBox(err));
		}
	} },
	h('div', { class: 'k-grid-form' },
		h('label', null, t('incident.title'), title),
		h('label', null, t('incident.status'), status),
		h('label', null, t('incident.rsit_class'), cls),
		h('label', null, t('incident.rsit_type'), type),
		h('label', null, t('incident.category'), cat),
		h('label', null, t('incident.tlp'), tlp),
		h('label', null, t('incident.owner'), owner),
		h('label', null, t('incident.priority'), prio),
		h('label', null, t('incident.due'), due)),
	h('button', { type: 'submit', id: 'inc-save' }, t('action.save')), msg);
	return form;
}

function mergeForm(id, go) {
	const msg = h('div', { class: 'k-flash', role: 'status' });
	const input = h('input', { id: 'merge-from', name: 'from', size: 40, placeholder: 'KK-2026-00012, 15', autocomplete: 'off' });
	return h('form', { class: 'k-merge', id: 'merge-form', onsubmit: async (e) => {
		e.preventDefault();
		const words = input.value.split(/[\s,、]+/).filter(Boolean);
		if (!words.length) return;
		try {
			const from = [];
			for (const w of words) from.push(await resolveIncident(w));
			await post(`incidents/${id}/merge`, { from });
			go();
		} catch (err) {
			clear(msg, errorBox(err));
		}
	} }, h('label', null, t('merge.label'), ' ', input), ' ', h('button', { type: 'submit', id: 'merge-go' }, t('merge.go')), msg);
}

// an incident id from what the handler typed: a number ("15", "#15") or a reference (KK-...).
async function resolveIncident(w) {
	const m = /^#?(\d+)$/.exec(w);
	if (m) return Number(m[1]);
	// the list pages newest first by id: look through it (at most 20,000 incidents)
	let before = null;
	for (let n = 0; n < 40; n++) {
		const d = await get('incidents', { limit: 500, before });
		const list = Array.isArray(d.incidents) ? d.incidents : [];
		const hit = list.find((x) => x.ref === w);
		if (hit) return Number(hit.id);
		if (list.length < 500) break;
		before = list[list.length - 1].id;
	}
	const e = new Error('not_found');
	e.code = 'unknown_incident';
	e.field = w;
	throw e;
}

function timeline(list) {
	if (!list.length) return empty('timeline.empty');
	return h('ol', { class: 'k-timeline', id: 'timeline' }, list.map((a) => {
		const ch = parseChanges(a.changes ?? a.fields ?? a.changed);
		const changes = ch && typeof ch === 'object' ? Object.entries(ch).map(([k, v]) => h('li', { dataset: { field: k } }, fieldName(k), ': ', shown(Array.isArray(v) ? fmtv(v[0]) : ''), ' → ', shown(Array.isArray(v) ? fmtv(v[1]) : fmtv(v)))) : [];
		const obj = a.object && has(`audit.obj.${a.object}`) ? t(`audit.obj.${a.object}`, { id: Number(a.object_id) }) : null;
		return h('li', { dataset: { action: String(a.action ?? '') } }, h('span', { class: 'k-meta' }, time(a.at)), ' ', shown(a.user ?? a.who ?? a.user_name ?? a.actor), ' ',
			h('strong', null, has(`audit.${a.action}`) ? t(`audit.${a.action}`) : shown(a.action)), obj ? ` (${obj})` : '', changes.length ? h('ul', null, changes) : null);
	}));
}

// changes: an object {"field": [old, new]} or the same as JSON text
function parseChanges(v) {
	if (typeof v !== 'string') return v;
	try {
		return JSON.parse(v);
	} catch {
		return { '': [null, v] };
	}
}

// a changed field's name: the incident or report label when the catalog has one
const fieldName = (k) => (has(`incident.${k}`) ? t(`incident.${k}`) : has(`report.${k}`) ? t(`report.${k}`) : shown(k));

const fmtv = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function candidates(list) {
	if (!list.length) return empty('candidates.empty');
	const cols = ['contact.name', 'contact.type', 'contact.abuse', 'contact.lang', 'candidates.why', 'candidates.score'].map((k) => ({ label: t(k) }));
	return table(cols, list.map((c) => [
		c.org_id || c.id ? appLink('contact', c.org_id ?? c.id, c.name) : shown(c.name), label('ctype', c.type), shown(Array.isArray(c.abuse) ? c.abuse.join(', ') : c.abuse), shown(c.lang), shown(lang() === 'ja' && c.why_ja ? c.why_ja : c.why), String(c.score ?? ''),
	]), { id: 'candidate-table' });
}

export async function renderIncident(root, id, go) {
	const i = await get(`incidents/${id}`);
	const inc = i.incident && typeof i.incident === 'object' ? { ...i, ...i.incident } : i;
	clear(root, h('h2', null, shown(inc.ref || `#${id}`), ' ', shown(inc.title || t('incident.untitled'))));
	if (inc.merged_into) root.appendChild(h('p', { class: 'k-notice' }, t('incident.merged_into'), ' ', appLink('incident', inc.merged_into.id ?? inc.merged_into, inc.merged_into.ref ?? `#${inc.merged_into.id ?? inc.merged_into}`)));
	root.appendChild(readOnlyFields(inc));
	if (canWrite()) root.appendChild(h('section', { class: 'k-sub' }, h('h3', null, t('incident.edit')), editForm(inc, id, go)));
	root.appendChild(h('h3', null, t('incident.indicators')));
	const ind = Array.isArray(i.indicators) ? i.indicators : [];
	const found = await enrichAll(ind);
	root.appendChild(ind.length ? indicatorTable(ind) : empty('report.no_indicators'));
	root.appendChild(h('h3', null, t('incident.candidates')));
	const given = Array.isArray(i.candidates) ? i.candidates : [];
	root.appendChild(candidates(given.length ? given : found));
	root.appendChild(h('h3', null, t('incident.reports')));
	const reps = Array.isArray(i.reports) ? i.reports : [];
	const cols = ['report.ack', 'report.channel', 'report.received', 'report.reporter', 'report.subject', 'report.tlp'].map((k) => ({ label: t(k) }));
	root.appendChild(reps.length ? table(cols, reps.map((r) => [appLink('report', r.id, r.ack || `#${r.id}`), label('channel', r.channel), time(r.received), shown(r.reporter), appLink('report', r.id, r.subject || t('report.no_subject')), tlpBadge(r.tlp)]), { id: 'incident-reports' }) : empty('incident.no_reports'));
	if (canWrite()) root.appendChild(h('section', { class: 'k-sub' }, h('h3', null, t('merge.title')), h('p', { class: 'k-lead' }, t('merge.lead')), mergeForm(id, go)));
	root.appendChild(h('h3', null, t('incident.timeline')));
	root.appendChild(timeline(Array.isArray(i.timeline) ? i.timeline : Array.isArray(i.audit) ? i.audit : []));
}
