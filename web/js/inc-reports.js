// The report queue, a report's page and the search page.
import { h, clear, table } from './dom.js';
import { t, has } from './i18n.js';
import { get, patch, post, url } from './iapi.js';
import { shown, pre } from './safe.js';
import { canWrite, label, tlpBadge, select, appLink, time, errorBox, fields, empty, tax } from './inc-common.js';

function reportRows(list) {
	return list.map((r) => [
		appLink('report', r.id, r.ack || `#${r.id}`),
		label('channel', r.channel),
		time(r.received),
		shown(r.reporter),
		appLink('report', r.id, r.subject || t('report.no_subject')),
		r.incident ? appLink('incident', r.incident.id ?? r.incident, r.incident.ref ?? r.incident_ref ?? `#${r.incident.id ?? r.incident}`) : '—',
		tlpBadge(r.tlp),
	]);
}

function reportTable(list, id) {
	const cols = ['report.ack', 'report.channel', 'report.received', 'report.reporter', 'report.subject', 'report.incident', 'report.tlp'].map((k) => ({ label: t(k) }));
	return table(cols, reportRows(list), { id });
}

export async function renderQueue(root) {
	clear(root, h('h2', null, t('queue.title')), h('p', { class: 'k-lead' }, t('queue.lead')));
	const d = await get('reports', { status: 'new' });
	const list = Array.isArray(d.reports) ? d.reports : [];
	root.appendChild(list.length ? reportTable(list, 'queue-table') : empty('queue.empty'));
}

const indType = (ty) => (has(`indtype.${ty}`) ? t(`indtype.${ty}`) : shown(ty));

export function indicatorTable(list) {
	const cols = ['ind.type', 'ind.raw', 'ind.value', 'ind.registrable', 'ind.enrich'].map((k) => ({ label: t(k) }));
	return table(cols, list.map((i) => [indType(i.type), shown(i.raw, 'k-ind'), shown(i.value, 'k-ind'), shown(i.registrable), enrichText(i.enrich, i.enrich_status)]), { id: 'indicator-table' });
}

// enrichAll(indicators): fill in the enrichment the answer left out (null) from
// GET /api/v1/enrich for addresses and host names (at most 25 look-ups, in parallel); the
// candidate parties those answers name, best first. Enrichment is optional: a failed look-up
// leaves the indicator as it was.
export async function enrichAll(inds) {
	const todo = inds.filter((i) => (i.enrich === null || i.enrich === undefined) && ['ipv4', 'ipv6', 'domain'].includes(i.type)).slice(0, 25);
	const cands = new Map();
	await Promise.all(todo.map(async (i) => {
		try {
			const d = await get('enrich', i.type === 'domain' ? { host: i.value } : { ip: i.value });
			i.enrich = Array.isArray(d.addresses) ? d.addresses : null;
			i.enrich_status = typeof d.status === 'string' ? d.status : '';
			for (const c of Array.isArray(d.candidates) ? d.candidates : []) {
				const prev = cands.get(c.id);
				if (!prev || Number(c.score) > Number(prev.score)) cands.set(c.id, c);
			}
		} catch {
			/* no enrichment for this one */
		}
	}));
	return [...cands.values()].sort((a, b) => Number(b.score) - Number(a.score));
}

// enrichment of one indicator: a list of addresses {ip, asn, as_name, prefix, cc, domestic}
// or one such object.
export function enrichText(e, status) {
	const list = Array.isArray(e) ? e : e && typeof e === 'object' ? [e] : [];
	if (!list.length) return status && has(`enrich.${status}`) ? h('span', { class: 'k-dim' }, t(`enrich.${status}`)) : '—';
	return h('ul', { class: 'k-enrich' }, list.map((a) => h('li', { dataset: { asn: a.asn ? String(Number(a.asn)) : '', cc: /^[A-Z]{2}$/.test(a.cc || '') ? a.cc : '' } }, [
		shown(a.ip), ' ',
		a.asn ? `AS${Number(a.asn)}` : '', ' ', shown(a.as_name), ' ', shown(a.prefix), ' ', shown(a.cc), ' ',
		a.domestic === undefined || a.domestic === null ? '' : h('span', { class: a.domestic ? 'k-badge k-dom' : 'k-badge k-for' }, t(a.domestic ? 'enrich.domestic' : 'enrich.foreign')),
	])));
}

export async function renderReport(root, id, go) {
	const r = await get(`reports/${id}`);
	const inc = r.incident && typeof r.incident === 'object' ? r.incident : { id: r.incident ?? r.incident_id, ref: r.incident_ref };
	clear(root, h('h2', null, t('report.title'), ' ', shown(r.ack || `#${id}`)));
	root.appendChild(fields([
		[t('report.subject'), shown(r.subject)],
		[t('report.channel'), label('channel', r.channel)],
		[t('report.received'), time(r.received)],
		[t('report.reporter'), shown(r.reporter)],
		[t('report.reporter_email'), shown(r.reporter_email)],
		[t('report.status'), label('rstatus', r.status)],
		[t('report.tlp'), tlpBadge(r.tlp)],
		[t('report.incident'), inc.id ? appLink('incident', inc.id, inc.ref || `#${inc.id}`) : '—'],
	]));
	const raw = h('a', { href: url(`reports/${Number(id)}/raw`), download: `report-${Number(id)}.raw`, id: 'raw-link', class: 'k-button' }, t('report.raw'));
	root.appendChild(h('p', null, raw, ' ', h('span', { class: 'k-meta' }, t('report.raw_note'))));
	if (canWrite()) root.appendChild(reportActions(r, id, inc, go));
	root.appendChild(h('h3', null, t('report.text')));
	const text = r.text ?? r.body ?? '';
	root.appendChild(text ? pre(text) : empty('report.no_text'));
	if (r.truncated) root.appendChild(h('p', { class: 'k-notice' }, t('report.truncated')));
	root.appendChild(h('h3', null, t('report.attachments')));
	const att = Array.isArray(r.attachments) ? r.attachments : [];
	root.appendChild(att.length ? h('ul', { id: 'attachments' }, att.map((a) => h('li', null, shown(a.name ?? a.filename), ' ', h('span', { class: 'k-meta' }, shown(a.type ?? a.content_type), a.size !== undefined ? ` ${Number(a.size)} B` : '')))) : empty('report.no_attachments'));
	root.appendChild(h('h3', null, t('report.indicators')));
	const ind = Array.isArray(r.indicators) ? r.indicators : [];
	await enrichAll(ind);
	root.appendChild(ind.length ? indicatorTable(ind) : empty('report.no_indicators'));
}

function reportActions(r, id, inc, go) {
	const msg = h('p', { class: 'k-flash', role: 'status' });
	const act = async (body) => {
		try {
			await patch(`reports/${id}`, body);
			go();
		} catch (e) {
			clear(msg, errorBox(e));
		}
	};
	const tlps = (tax.tlp.length ? tax.tlp.map((x) => x.key) : ['clear', 'green', 'amber', 'amber+strict', 'red']).map((k) => [k, label('tlp', k)]);
	const tlpSel = select(tlps, r.tlp, { id: 'report-tlp' });
	return h('div', { class: 'k-actions', id: 'report-actions' },
		h('button', { type: 'button', id: 'report-triage', onclick: () => act({ status: 'triaged' }) }, t('report.triage')),
		h('button', { type: 'button', id: 'report-reject', onclick: () => act({ status: 'rejected' }) }, t('report.reject')),
		h('label', { class: 'k-inline' }, t('report.tlp'), ' ', tlpSel),
		h('button', { type: 'button', id: 'report-tlp-save', onclick: () => act({ tlp: tlpSel.value }) }, t('action.save_tlp')),
		inc.id ? h('button', {
			type: 'button', id: 'report-split', onclick: async () => {
				try {
					const d = await post(`incidents/${Number(inc.id)}/split`, { reports: [Number(id)] });
					location.hash = `#/incident/${Number(d.id)}`;
				} catch (e) {
					clear(msg, errorBox(e));
				}
			},
		}, t('report.split')) : null,
		msg);
}

export async function renderSearch(root, q) {
	const input = h('input', { type: 'search', id: 'search-q', name: 'q', value: q || '', required: true, autocomplete: 'off' });
	const form = h('form', { class: 'k-searchform', id: 'search-form', role: 'search', onsubmit: (e) => {
		e.preventDefault();
		location.hash = `#/search?q=${encodeURIComponent(input.value)}`;
	} }, h('label', null, t('search.label'), ' ', input), h('button', { type: 'submit' }, t('search.go')));
	clear(root, h('h2', null, t('search.title')), form);
	if (!q) return;
	const d = await get('search', { q });
	const list = Array.isArray(d.reports) ? d.reports : Array.isArray(d.results) ? d.results : [];
	root.appendChild(h('p', { class: 'k-meta', id: 'search-count' }, t('search.count', { n: list.length })));
	root.appendChild(list.length ? reportTable(list, 'search-results') : empty('search.none'));
}
