// The quarter statistics page: reports and incidents per category per month of a Japanese fiscal
// quarter (2010Q4 = January-March 2011), with the quarter before and the same quarter a year
// earlier and the changes in per cent, in the layout of a quarterly incident report's table 1-1.
import { h, clear } from './dom.js';
import { t, lang } from './i18n.js';
import { get } from './iapi.js';
import { label, empty } from './inc-common.js';
import { shown } from './safe.js';

// quarterOf(date): the fiscal quarter id of a date in JST.
export function quarterOf(d) {
	const j = new Date(d.getTime() + 9 * 3600 * 1000);
	const y = j.getUTCFullYear();
	const m = j.getUTCMonth() + 1;
	return m >= 4 ? `${y}Q${Math.floor((m - 4) / 3) + 1}` : `${y - 1}Q4`;
}

function prevQuarter(q) {
	const m = /^(\d{4})Q([1-4])$/.exec(q);
	if (!m) return q;
	const y = Number(m[1]);
	const n = Number(m[2]);
	return n === 1 ? `${y - 1}Q4` : `${y}Q${n - 1}`;
}

// the three months (year, month) of a fiscal quarter
export function quarterMonths(q) {
	const m = /^(\d{4})Q([1-4])$/.exec(q);
	if (!m) return [];
	const y = Number(m[1]);
	const n = Number(m[2]);
	const first = n === 4 ? 1 : 4 + (n - 1) * 3;
	const yr = n === 4 ? y + 1 : y;
	return [0, 1, 2].map((i) => [yr, first + i]);
}

function quarterName(q) {
	const m = /^(\d{4})Q([1-4])$/.exec(q);
	return m ? t('stats.quarter_name', { year: m[1], q: m[2] }) : q;
}

const num = (v) => (v === null || v === undefined || v === '' ? '—' : new Intl.NumberFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB').format(Number(v)));

function pct(v) {
	if (v === null || v === undefined || v === '' || !Number.isFinite(Number(v))) return '—';
	const n = Number(v);
	return `${n > 0 ? '+' : ''}${new Intl.NumberFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', { maximumFractionDigits: 1 }).format(n)}%`;
}

const first = (...v) => v.find((x) => x !== undefined && x !== null);

// one category's numbers for "reports" or "incidents", whatever the answer's nesting
function series(c, kind) {
	const v = c[kind];
	const o = v && typeof v === 'object' && !Array.isArray(v) ? v : {};
	const months = Array.isArray(v) ? v : first(o.months, o.by_month, c[`${kind}_months`], c[`${kind}_by_month`]) || [];
	const total = first(o.total, o.quarter, c[`${kind}_total`], months.length ? months.reduce((a, b) => a + Number(b || 0), 0) : null);
	const prev = first(o.prev, o.previous, o.prev_quarter, c.prev && c.prev[kind], c.previous && c.previous[kind], c[`${kind}_prev`]);
	const year = first(o.year_ago, o.year_earlier, o.prev_year, c.year_ago && c.year_ago[kind], c.year_earlier && c.year_earlier[kind], c[`${kind}_year_ago`]);
	const prevPct = first(o.change_prev, o.prev_change, c.previous && c.previous[`${kind}_change`], c.change_prev && c.change_prev[kind]);
	const yearPct = first(o.change_year, o.year_change, c.year_ago && c.year_ago[`${kind}_change`], c.change_year && c.change_year[kind]);
	return { months, total, prev, year, prevPct, yearPct };
}

function statTable(id, caption, rows, kind, months) {
	const head = h('tr', null, h('th', { scope: 'col' }, t('stats.category')),
		months.map(([y, m]) => h('th', { scope: 'col', class: 'num' }, t('stats.month', { year: y, month: m }))),
		['stats.total', 'stats.prev', 'stats.prev_change', 'stats.year_ago', 'stats.year_change'].map((k) => h('th', { scope: 'col', class: 'num' }, t(k))));
	const body = rows.map(([name, c]) => {
		const s = series(c, kind);
		return h('tr', { dataset: { category: c.key ?? c.category ?? '' } }, h('th', { scope: 'row' }, name),
			months.map((_, i) => h('td', { class: 'num' }, num(s.months[i] ?? 0))),
			h('td', { class: 'num', dataset: { col: 'total' } }, num(s.total)), h('td', { class: 'num' }, num(s.prev)), h('td', { class: 'num' }, pct(s.prevPct)),
			h('td', { class: 'num' }, num(s.year)), h('td', { class: 'num' }, pct(s.yearPct)));
	});
	return h('div', { class: 'k-table-wrap' }, h('table', { class: 'k-table', id }, h('caption', null, caption), h('thead', null, head), h('tbody', null, body)));
}

export async function renderStats(root, params) {
	const now = quarterOf(new Date());
	const q = /^\d{4}Q[1-4]$/.test(params.get('quarter') || '') ? params.get('quarter') : now;
	const opts = [];
	for (let x = now, i = 0; i < 12; i++, x = prevQuarter(x)) opts.push(x);
	if (!opts.includes(q)) opts.push(q);
	const sel = h('select', { id: 'stats-quarter' }, opts.map((x) => h('option', { value: x }, quarterName(x))));
	sel.value = q;
	sel.addEventListener('change', () => {
		location.hash = `#/stats?quarter=${encodeURIComponent(sel.value)}`;
	});
	clear(root, h('h2', null, t('stats.title')), h('p', { class: 'k-lead' }, t('stats.lead')), h('label', { class: 'k-inline' }, t('stats.quarter'), ' ', sel));
	const d = await get('stats/incidents', { quarter: q });
	const cats = Array.isArray(d.categories) ? d.categories : d.categories && typeof d.categories === 'object' ? Object.entries(d.categories).map(([k, v]) => ({ key: k, ...v })) : [];
	const months = Array.isArray(d.months) && d.months.every((m) => /^\d{4}-\d{2}$/.test(m)) ? d.months.map((m) => [Number(m.slice(0, 4)), Number(m.slice(5))]) : quarterMonths(d.quarter || q);
	root.appendChild(h('h3', { id: 'stats-heading' }, quarterName(d.quarter || q)));
	if (!cats.length) {
		root.appendChild(empty('stats.empty'));
		return;
	}
	const rows = cats.map((c) => [label('category', c.key ?? c.category), c]);
	const tot = d.total ?? d.totals;
	if (tot && typeof tot === 'object') rows.push([t('stats.all'), { key: 'total', ...tot }]);
	root.appendChild(statTable('stats-reports', t('stats.reports'), rows, 'reports', months));
	root.appendChild(statTable('stats-incidents', t('stats.incidents'), rows, 'incidents', months));
	root.appendChild(h('p', { class: 'k-meta' }, t('stats.note'), ' ', shown(d.quarter || q)));
}
