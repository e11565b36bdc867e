// Time-series charts on uPlot (vendor/uPlot.iife.min.js, global uPlot). Every chart is kept in a
// registry by name so that it can be resized, replaced, and read by tests through
// window.keikai.charts (copies only: the page's own data cannot be changed from outside).
import { h } from './dom.js';
import { num, day, dayLong, timeZone } from './format.js';

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const registry = new Map();

function chartHeight(width) {
	return width < 500 ? 220 : 280;
}

// Surge markers: a vertical line per marker at its time, with a tooltip (text only).
function markersPlugin(markers) {
	let els = [];
	return {
		hooks: {
			init: (u) => {
				els = markers.map((m) => {
					const tip = h('span', { class: 'k-tip', role: 'tooltip', text: m.text });
					const el = h('div', { class: 'k-marker', tabindex: '0', 'aria-label': m.text, dataset: { t: String(m.t) } }, tip);
					u.over.appendChild(el);
					return el;
				});
			},
			draw: (u) => {
				const w = u.over.clientWidth;
				markers.forEach((m, i) => {
					const x = u.valToPos(m.t, 'x');
					els[i].style.left = `${x}px`;
					els[i].hidden = !(x >= 0 && x <= w);
					els[i].classList.toggle('k-tip-left', x > w / 2);
				});
			},
		},
	};
}

// Ranks in front of the legend labels ("#1 23/TCP").
function rankPlugin(ranks) {
	return {
		hooks: {
			init: (u) => {
				const rows = u.root.querySelectorAll('.u-legend .u-series');
				ranks.forEach((r, i) => {
					const row = rows[i + 1];
					if (r === null || r === undefined || !row) return;
					const lab = row.querySelector('.u-label');
					if (lab) lab.prepend(h('span', { class: 'k-rank', text: `#${r}` }));
				});
			},
		},
	};
}

// drawChart(name, container, spec): (re)draw a chart. spec: {t: [unix], series: [{label, values,
// rank?}], markers: [{t, text}], yLabel, meta (copied to tests), bars (bool)}.
export function drawChart(name, container, spec) {
	destroyChart(name);
	const wrap = h('div', { class: 'k-chart', dataset: { chart: name } });
	container.appendChild(wrap);
	const width = Math.max(200, container.clientWidth || 600);
	const series = [
		{ label: spec.xLabel || '', value: (u, v) => (v === null || v === undefined ? '—' : dayLong(v)) },
		...spec.series.map((s, i) => ({
			label: s.label,
			stroke: PALETTE[i % PALETTE.length],
			width: 1.5,
			spanGaps: false,
			points: { show: spec.t.length <= 1 },
			value: (u, v) => num(v, 1),
		})),
	];
	const opts = {
		width,
		height: chartHeight(width),
		tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone()),
		scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
		series,
		axes: [
			{ values: (u, splits) => splits.map((v) => day(v)), space: 60 },
			{ label: spec.yLabel, values: (u, splits) => splits.map((v) => num(v, 1)), size: 60 },
		],
		legend: { live: true },
		cursor: { drag: { x: true, y: false } },
		plugins: [markersPlugin(spec.markers || []), rankPlugin(spec.series.map((s) => s.rank))],
	};
	const data = [spec.t.slice(), ...spec.series.map((s) => s.values.slice())];
	const u = new uPlot(opts, data, wrap);
	const ro = new ResizeObserver(() => {
		const w = Math.max(200, container.clientWidth);
		if (w !== u.width) u.setSize({ width: w, height: chartHeight(w) });
	});
	ro.observe(container);
	registry.set(name, { u, ro, wrap, spec });
	return u;
}

export function destroyChart(name) {
	const c = registry.get(name);
	if (!c) return;
	c.ro.disconnect();
	c.u.destroy();
	c.wrap.remove();
	registry.delete(name);
}

// destroyAll(prefix): every chart whose name starts with prefix.
export function destroyAll(prefix = '') {
	for (const name of [...registry.keys()]) if (name.startsWith(prefix)) destroyChart(name);
}

// snapshot(): the charts as plain frozen copies, for window.keikai.charts.
export function snapshot() {
	const out = {};
	for (const [name, c] of registry) {
		out[name] = Object.freeze({
			labels: Object.freeze(c.u.series.slice(1).map((s) => s.label)),
			data: Object.freeze(c.u.data.map((a) => Object.freeze(Array.from(a)))),
			markers: Object.freeze((c.spec.markers || []).map((m) => Object.freeze({ ...m }))),
			meta: Object.freeze({ ...(c.spec.meta || {}) }),
			width: c.u.width,
		});
	}
	return Object.freeze(out);
}

// drawBars(name, container, spec): a bar chart of categories. spec: {labels: [category names],
// values: [numbers], seriesLabel, yLabel, meta}.
export function drawBars(name, container, spec) {
	destroyChart(name);
	const wrap = h('div', { class: 'k-chart', dataset: { chart: name } });
	container.appendChild(wrap);
	const width = Math.max(200, container.clientWidth || 600);
	const xs = spec.labels.map((_, i) => i);
	const opts = {
		width,
		height: chartHeight(width),
		scales: { x: { time: false, range: () => [-0.5, Math.max(0.5, xs.length - 0.5)] }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
		series: [
			{ label: spec.xLabel || '', value: (u, v) => (v === null || v === undefined ? '—' : spec.labels[v] ?? '—') },
			{ label: spec.seriesLabel, stroke: PALETTE[1], fill: 'rgba(31,119,180,0.55)', width: 1, paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false }, value: (u, v) => num(v, 1) },
		],
		axes: [
			{ splits: () => xs, values: (u, splits) => splits.map((i) => ((u.width < 700 && spec.shortLabels) || spec.labels)[i] ?? ''), gap: 4, size: 40 },
			{ label: spec.yLabel, values: (u, splits) => splits.map((v) => num(v, 1)), size: 60 },
		],
		cursor: { drag: { x: false, y: false } },
		legend: { live: true },
	};
	const u = new uPlot(opts, [xs, spec.values.slice()], wrap);
	const ro = new ResizeObserver(() => {
		const w = Math.max(200, container.clientWidth);
		if (w !== u.width) u.setSize({ width: w, height: chartHeight(w) });
	});
	ro.observe(container);
	registry.set(name, { u, ro, wrap, spec });
	return u;
}
