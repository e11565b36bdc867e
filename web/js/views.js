// The page's sections, drawn from API answers already fetched. Every function here can be called
// again (language switch, resize of the data) and replaces what it drew before.
import { h, clear, table } from './dom.js';
import { t, has } from './i18n.js';
import { num, pct, dateTime, duration, portLabel, regionName, dayLong } from './format.js';
import { drawChart, drawBars, destroyAll } from './charts.js';
import { apiUrl } from './api.js';

// errorText(err): the translated message for an API error code; unknown codes by name.
export function errorText(err) {
	const code = err && err.code ? String(err.code) : 'unknown';
	if (has(`error.${code}`)) return t(`error.${code}`);
	return t('error.unknown', { code });
}

export function errorBox(err) {
	return h('p', { class: 'k-error', role: 'alert', dataset: { code: err && err.code ? String(err.code) : 'unknown' } }, errorText(err));
}

function surgeText(s) {
	return t(s.kind === 'new_top10' ? 'surge.tip_new_top10' : 'surge.tip_sources', {
		port: portLabel(s.proto, s.port),
		day: s.t !== undefined ? dayLong(s.t) : String(s.day),
		value: num(s.value, 1),
		median: num(s.median, 1),
	});
}

// One "top N" block: a chart of the per-sensor averages and the ranking table under it.
function topBlock(container, name, title, block, ov, surges) {
	const box = h('div', { class: 'k-block' }, h('h4', { text: title }));
	container.appendChild(box);
	const ports = (block && block.ports) || [];
	const seriesIn = (block && block.series) || [];
	const series = ports.map((p) => {
		const s = seriesIn.find((x) => x.proto === p.proto && x.port === p.port) || { packets: [] };
		return { label: portLabel(p.proto, p.port), rank: p.rank, values: s.packets || [] };
	});
	if (!ports.length) {
		box.appendChild(h('p', { class: 'k-empty', text: t('common.no_data') }));
		return;
	}
	const inChart = new Set(ports.map((p) => `${p.proto}/${p.port}`));
	const markers = (surges || [])
		.filter((s) => inChart.has(`${s.proto}/${s.port}`) && typeof s.t === 'number')
		.map((s) => ({ t: s.t, text: surgeText(s), port: portLabel(s.proto, s.port), kind: s.kind }));
	const chartBox = h('div', { class: 'k-chart-box' });
	box.appendChild(chartBox);
	drawChart(name, chartBox, {
		t: ov.t || [],
		series,
		markers,
		xLabel: t('chart.x_day'),
		yLabel: t('chart.y_per_sensor'),
		meta: { range: ov.range && ov.range.id, kind: 'ports' },
	});
	box.appendChild(
		table(
			[
				{ label: t('table.rank'), cls: 'num' },
				{ label: t('table.port') },
				{ label: t('table.per_sensor_day'), cls: 'num' },
				{ label: t('table.sources'), cls: 'num' },
			],
			ports.map((p) => [String(p.rank), portLabel(p.proto, p.port), num(p.per_sensor_day, 1), num(p.sources)]),
			{ caption: title }
		)
	);
}

// renderPeriod(container, key, title, ov | error): the top 1-5 and 6-10 pair for one range.
export function renderPeriod(container, key, title, res) {
	destroyAll(`${key}-`);
	clear(container);
	if (!res) return;
	container.appendChild(h('h3', { text: title }));
	if (res.error) {
		container.appendChild(errorBox(res.error));
		return;
	}
	const ov = res.data;
	const meta = h('p', { class: 'k-meta' }, t('ports.meta', { sensors: num(maxOf(ov.sensors)), bucket: t(`bucket.${ov.bucket === 'hour' ? 'hour' : 'day'}`) }));
	container.appendChild(meta);
	const grid = h('div', { class: 'k-grid2' });
	container.appendChild(grid);
	topBlock(grid, `${key}-top1_5`, t('ports.top1_5'), ov.top1_5, ov, ov.surges);
	topBlock(grid, `${key}-top6_10`, t('ports.top6_10'), ov.top6_10, ov, ov.surges);
}

function maxOf(a) {
	if (!Array.isArray(a)) return typeof a === 'number' ? a : null;
	let m = null;
	for (const v of a) if (typeof v === 'number' && (m === null || v > m)) m = v;
	return m;
}

// renderRegions(container, res): top source countries as bars and a table, with coverage.
export function renderRegions(container, res) {
	destroyAll('regions');
	clear(container);
	if (!res) return;
	if (res.error) {
		container.appendChild(errorBox(res.error));
		return;
	}
	const reg = res.data.regions || {};
	const list = reg.regions || [];
	container.appendChild(
		h('p', { class: 'k-meta' }, typeof reg.coverage === 'number' ? t('regions.coverage', { share: pct(reg.coverage) }) : t('regions.coverage_unknown'))
	);
	if (!list.length) {
		container.appendChild(h('p', { class: 'k-empty', text: t('common.no_data') }));
		return;
	}
	const chartBox = h('div', { class: 'k-chart-box' });
	container.appendChild(chartBox);
	drawBars('regions', chartBox, {
		labels: list.map(regionName),
		shortLabels: list.map((r) => String(r.code)),
		values: list.map((r) => r.per_sensor_day),
		seriesLabel: t('table.per_sensor_day'),
		xLabel: t('table.country'),
		yLabel: t('chart.y_per_sensor_day'),
		meta: { range: res.data.range && res.data.range.id, kind: 'regions', codes: list.map((r) => r.code) },
	});
	container.appendChild(
		table(
			[
				{ label: t('table.rank'), cls: 'num' },
				{ label: t('table.country') },
				{ label: t('table.code') },
				{ label: t('table.packets'), cls: 'num' },
				{ label: t('table.per_sensor_day'), cls: 'num' },
				{ label: t('table.sources'), cls: 'num' },
			],
			list.map((r) => [String(r.rank), regionName(r), String(r.code), num(r.packets), num(r.per_sensor_day, 1), num(r.sources)]),
			{ caption: t('regions.title') }
		)
	);
}

const PROTOS = ['tcp', 'udp', 'icmp', 'icmp6', 'other'];

// renderTotals(container, res): protocol split over time, and each protocol's share.
export function renderTotals(container, res) {
	destroyAll('totals');
	clear(container);
	if (!res) return;
	if (res.error) {
		container.appendChild(errorBox(res.error));
		return;
	}
	const ov = res.data;
	const tot = ov.totals || {};
	const ts = tot.t || ov.t || [];
	const present = PROTOS.filter((p) => Array.isArray(tot[p]));
	if (!present.length || !ts.length) {
		container.appendChild(h('p', { class: 'k-empty', text: t('common.no_data') }));
		return;
	}
	const chartBox = h('div', { class: 'k-chart-box' });
	container.appendChild(chartBox);
	drawChart('totals', chartBox, {
		t: ts,
		series: present.map((p) => ({ label: t(`proto.${p}`), values: tot[p] })),
		xLabel: t('chart.x_day'),
		yLabel: t('chart.y_per_sensor'),
		meta: { range: ov.range && ov.range.id, kind: 'totals', protos: present },
	});
	const sums = present.map((p) => tot[p].reduce((a, v) => a + (typeof v === 'number' ? v : 0), 0));
	const all = sums.reduce((a, v) => a + v, 0);
	container.appendChild(
		table(
			[{ label: t('table.proto') }, { label: t('table.sum_per_sensor'), cls: 'num' }, { label: t('table.share'), cls: 'num' }],
			present.map((p, i) => [t(`proto.${p}`), num(sums[i], 1), all > 0 ? pct(sums[i] / all) : '—']),
			{ caption: t('totals.title') }
		)
	);
}

function csvLink(path, params) {
	return h('a', { class: 'k-csv', href: apiUrl(path, { ...params, format: 'csv' }), download: `keikai-${path}.csv` }, t('common.csv'));
}

function eventBox(container, titleKey, path, params, res, build) {
	clear(container);
	container.appendChild(h('div', { class: 'k-event-head' }, h('h3', { text: t(titleKey) }), res && res.data ? csvLink(path, params) : null));
	if (!res) return;
	if (res.error) {
		if (res.error.status === 401 || res.error.code === 'unauthorized') {
			container.appendChild(h('p', { class: 'k-notice', dataset: { code: 'not_public' } }, t('events.not_public')));
		} else {
			container.appendChild(errorBox(res.error));
		}
		return;
	}
	build(res.data);
}

function list(v) {
	return Array.isArray(v) ? v.join(', ') : v === null || v === undefined ? '—' : String(v);
}

function asText(asn, name) {
	if (asn === null || asn === undefined) return '—';
	return name ? `AS${asn} ${name}` : `AS${asn}`;
}

// renderEvents(boxes, params, results): the surges, scanners and DoS tables.
export function renderEvents(boxes, params, results) {
	eventBox(boxes.surges, 'events.surges', 'surges', params, results.surges, (d) => {
		const rows = d.surges || [];
		boxes.surges.appendChild(
			rows.length
				? table(
						[
							{ label: t('table.day') },
							{ label: t('table.port') },
							{ label: t('table.kind') },
							{ label: t('table.value'), cls: 'num' },
							{ label: t('table.median'), cls: 'num' },
							{ label: t('table.rank'), cls: 'num' },
						],
						rows.map((s) => [typeof s.t === 'number' ? dayLong(s.t) : String(s.day), portLabel(s.proto, s.port), t(s.kind === 'new_top10' ? 'surge.new_top10' : 'surge.sources'), num(s.value, 1), num(s.median, 1), s.rank === null || s.rank === undefined ? '—' : String(s.rank)]),
						{ caption: t('events.surges'), id: 'table-surges' }
				  )
				: h('p', { class: 'k-empty', text: t('common.no_rows') })
		);
	});
	eventBox(boxes.scanners, 'events.scanners', 'scanners', params, results.scanners, (d) => {
		const rows = d.scanners || [];
		boxes.scanners.appendChild(
			rows.length
				? table(
						[
							{ label: t('table.source') },
							{ label: t('table.country') },
							{ label: t('table.as') },
							{ label: t('table.packets'), cls: 'num' },
							{ label: t('table.ports') },
							{ label: t('table.tool') },
							{ label: t('table.sensors'), cls: 'num' },
							{ label: t('table.first') },
							{ label: t('table.last') },
						],
						rows.map((s) => [String(s.src), list(s.country), asText(s.asn, s.as_name), num(s.packets), list(s.ports), s.tool ? String(s.tool) : '—', num(s.sensors), dateTime(s.first), dateTime(s.last)]),
						{ caption: t('events.scanners'), id: 'table-scanners' }
				  )
				: h('p', { class: 'k-empty', text: t('common.no_rows') })
		);
	});
	eventBox(boxes.dos, 'events.dos', 'dos', params, results.dos, (d) => {
		const rows = d.attacks || [];
		boxes.dos.appendChild(
			rows.length
				? table(
						[
							{ label: t('table.victim') },
							{ label: t('table.country') },
							{ label: t('table.as') },
							{ label: t('table.proto') },
							{ label: t('table.ports') },
							{ label: t('table.packets'), cls: 'num' },
							{ label: t('table.peak'), cls: 'num' },
							{ label: t('table.start') },
							{ label: t('table.duration') },
							{ label: t('table.ongoing') },
						],
						rows.map((a) => [String(a.victim), list(a.country), asText(a.asn, a.as_name), String(a.proto).toUpperCase(), list(a.ports), num(a.packets), num(a.peak_per_min, 1), dateTime(a.start), duration(a.duration), a.ongoing ? t('common.yes') : t('common.no')]),
						{ caption: t('events.dos'), id: 'table-dos' }
				  )
				: h('p', { class: 'k-empty', text: t('common.no_rows') })
		);
	});
}

// renderSensors(container, res, onPick): the health table; onPick(name) draws a sensor's chart.
export function renderSensors(container, res, onPick) {
	clear(container);
	if (!res) return;
	if (res.error) {
		container.appendChild(errorBox(res.error));
		return;
	}
	const rows = res.data.sensors || [];
	if (!rows.length) {
		container.appendChild(h('p', { class: 'k-empty', text: t('common.no_rows') }));
		return;
	}
	container.appendChild(
		table(
			[
				{ label: t('table.sensor') },
				{ label: t('table.org') },
				{ label: t('table.status') },
				{ label: t('table.last_record') },
				{ label: t('table.records_24h'), cls: 'num' },
				{ label: t('table.gaps_24h'), cls: 'num' },
				{ label: t('table.drops_24h'), cls: 'num' },
				{ label: '' },
			],
			rows.map((s) => [
				String(s.name),
				s.org === null || s.org === undefined ? '—' : String(s.org),
				h('span', { class: `k-badge k-${['ok', 'late', 'silent', 'never'].includes(s.status) ? s.status : 'unknown'}` }, has(`health.${s.status}`) ? t(`health.${s.status}`) : String(s.status)),
				dateTime(s.last_record),
				num(s.records_24h),
				num(s.gaps_24h),
				num((s.kernel_drops_24h || 0) + (s.if_drops_24h || 0)),
				h('button', { type: 'button', class: 'k-pick', onclick: () => onPick(String(s.name)) }, t('sensors.show_chart')),
			]),
			{ caption: t('sensors.title'), id: 'table-sensors' }
		)
	);
}

// renderSensorChart(container, name, res): one sensor's packets per day by protocol.
export function renderSensorChart(container, name, res) {
	destroyAll('sensor');
	clear(container);
	if (!name || !res) return;
	container.appendChild(h('h3', null, t('sensors.chart_title', { name })));
	if (res.error) {
		container.appendChild(errorBox(res.error));
		return;
	}
	const d = res.data;
	const present = ['packets', ...PROTOS].filter((p) => Array.isArray(d[p]));
	if (!present.length || !(d.t || []).length) {
		container.appendChild(h('p', { class: 'k-empty', text: t('common.no_data') }));
		return;
	}
	const box = h('div', { class: 'k-chart-box' });
	container.appendChild(box);
	drawChart('sensor', box, {
		t: d.t,
		series: present.map((p) => ({ label: t(p === 'packets' ? 'proto.all' : `proto.${p}`), values: d[p] })),
		xLabel: t('chart.x_day'),
		yLabel: t('chart.y_packets'),
		meta: { range: d.range && d.range.id, kind: 'sensor', sensor: name },
	});
}

