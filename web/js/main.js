// keikai web UI: the ISDAS-style observation page. Loads the catalogs and the range menu, then
// the data for the chosen range and filter, and draws every section from it. A language switch
// redraws from the data already loaded.
import { h, clear } from './dom.js';
import { loadCatalogs, initialLang, setLang, lang, t, applyStatic } from './i18n.js';
import { api } from './api.js';
import { setZone, rangeLabel } from './format.js';
import { snapshot } from './charts.js';
import { renderPeriod, renderRegions, renderTotals, renderEvents, renderSensors, renderSensorChart, errorBox, errorText } from './views.js';

const $ = (id) => document.getElementById(id);

const state = {
	ranges: null, // /ranges answer, or null when it failed
	rangesError: null,
	sensors: null, // {data} or {error}
	orgs: null,
	sel: { range: '', from: '', to: '', sensor: '', org: '' },
	main: null, // {data} or {error}: overview of the selected range
	year: null, // the same for the fiscal year shown under it (or null)
	yearTitle: '',
	events: {},
	sensorPick: '',
	sensorRes: null,
	generation: 0,
};

function readLocation() {
	const q = new URLSearchParams(location.search);
	for (const k of Object.keys(state.sel)) state.sel[k] = q.get(k) || '';
	if (state.sel.sensor) state.sel.org = '';
}

function writeLocation() {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(state.sel)) if (v) q.set(k, v);
	const s = q.toString();
	history.replaceState(null, '', s ? `?${s}` : location.pathname);
}

// The range and filter parameters of every statistics request.
function params(rangeOverride) {
	const p = {};
	if (rangeOverride) p.range = rangeOverride;
	else if (state.sel.from && state.sel.to) {
		p.from = state.sel.from;
		p.to = state.sel.to;
	} else if (state.sel.range) p.range = state.sel.range;
	if (state.sel.sensor) p.sensor = state.sel.sensor;
	else if (state.sel.org) p.org = state.sel.org;
	return p;
}

function findRange(id) {
	return state.ranges && Array.isArray(state.ranges.ranges) ? state.ranges.ranges.find((r) => r.id === id) : undefined;
}

// The fiscal year drawn under the selected range: the year of a quarter, the current year for
// the last...d and free ranges, none when a year is selected.
function yearFor() {
	const id = state.sel.from && state.sel.to ? '' : state.sel.range;
	const r = findRange(id);
	if (r && r.kind === 'year') return '';
	const m = /^fy(\d{4})q[1-4]$/.exec(id || '');
	if (m) return `fy${m[1]}`;
	return (state.ranges && state.ranges.current_year) || '';
}

async function settle(p) {
	try {
		return { data: await p };
	} catch (e) {
		return { error: e };
	}
}

function fillRangeSelect() {
	const sel = $('range-select');
	clear(sel);
	const groups = { quarter: 'range.quarters', year: 'range.years', days: 'range.recent' };
	const list = state.ranges && Array.isArray(state.ranges.ranges) ? state.ranges.ranges : [];
	for (const [kind, key] of Object.entries(groups)) {
		const items = list.filter((r) => (kind === 'days' ? r.kind !== 'quarter' && r.kind !== 'year' : r.kind === kind));
		if (!items.length) continue;
		sel.appendChild(h('optgroup', { label: t(key) }, items.map((r) => h('option', { value: r.id }, rangeLabel(r)))));
	}
	const cur = state.sel.from && state.sel.to ? `${state.sel.from}/${state.sel.to}` : state.sel.range;
	if (state.sel.from && state.sel.to) {
		sel.appendChild(h('option', { value: cur }, t('range.custom', { from: state.sel.from, to: state.sel.to })));
	} else if (cur && !findRange(cur)) {
		sel.appendChild(h('option', { value: cur }, cur));
	}
	if (!list.length && !cur) sel.appendChild(h('option', { value: '' }, t('range.default')));
	sel.value = cur;
}

function fillFilterSelect(id, res, key, allKey, current) {
	const sel = $(id);
	clear(sel);
	sel.appendChild(h('option', { value: '' }, t(allKey)));
	const names = res && res.data && Array.isArray(res.data[key]) ? res.data[key].map((x) => String(x.name)) : [];
	for (const n of names) sel.appendChild(h('option', { value: n }, n));
	if (current && !names.includes(current)) sel.appendChild(h('option', { value: current }, current));
	sel.value = current;
}

function renderControls() {
	fillRangeSelect();
	fillFilterSelect('sensor-select', state.sensors, 'sensors', 'control.all_sensors', state.sel.sensor);
	fillFilterSelect('org-select', state.orgs, 'orgs', 'control.all_orgs', state.sel.org);
	for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
	const note = $('filter-note');
	clear(note);
	if (state.sel.sensor) note.appendChild(h('p', null, t('filter.sensor', { name: state.sel.sensor })));
	else if (state.sel.org) note.appendChild(h('p', null, t('filter.org', { name: state.sel.org })));
	if (state.rangesError) note.appendChild(errorBox(state.rangesError));
}

function mainTitle() {
	const ov = state.main && state.main.data;
	const id = ov && ov.range ? ov.range.id : state.sel.range;
	const r = findRange(id);
	if (r) return rangeLabel(r);
	if (state.sel.from && state.sel.to) return t('range.custom', { from: state.sel.from, to: state.sel.to });
	return id || t('range.default');
}

function renderAll() {
	applyStatic();
	renderControls();
	renderPeriod($('period-main'), 'main', mainTitle(), state.main);
	const yr = findRange(state.yearTitle);
	renderPeriod($('period-year'), 'year', yr ? rangeLabel(yr) : state.yearTitle, state.year);
	renderRegions($('regions-body'), state.main);
	renderTotals($('totals-body'), state.main);
	renderEvents({ surges: $('events-surges'), scanners: $('events-scanners'), dos: $('events-dos') }, params(), state.events);
	renderSensors($('sensors-body'), state.sensors, pickSensor);
	renderSensorChart($('sensor-chart'), state.sensorPick, state.sensorRes);
	const st = $('status');
	st.textContent = state.main && state.main.error ? errorText(state.main.error) : t('status.ready');
}

function busy() {
	document.body.dataset.state = 'loading';
	$('status').textContent = t('status.loading');
}

function ready() {
	state.generation += 1;
	document.body.dataset.generation = String(state.generation);
	document.body.dataset.state = 'ready';
}

// Load everything that depends on the range and filter, then draw.
async function loadData() {
	busy();
	writeLocation();
	const yearId = yearFor();
	const p = params();
	const [main, year, surges, scanners, dos, sensorRes] = await Promise.all([
		settle(api('overview', { ...p, bucket: 'day' })),
		yearId ? settle(api('overview', { ...params(yearId), bucket: 'day' })) : Promise.resolve(null),
		settle(api('surges', p)),
		settle(api('scanners', p)),
		settle(api('dos', p)),
		state.sensorPick ? settle(api('totals', { ...params(), sensor: state.sensorPick, org: null, bucket: 'day' })) : Promise.resolve(null),
	]);
	state.main = main;
	state.year = year;
	state.yearTitle = yearId;
	state.events = { surges, scanners, dos };
	state.sensorRes = sensorRes;
	renderAll();
	ready();
}

async function pickSensor(name) {
	busy();
	state.sensorPick = name;
	const p = params();
	delete p.org;
	state.sensorRes = await settle(api('totals', { ...p, sensor: name, bucket: 'day' }));
	renderAll();
	ready();
	$('sensor-chart').scrollIntoView({ block: 'nearest' });
}

function onControls() {
	$('range-select').addEventListener('change', (e) => {
		const v = e.target.value;
		if (findRange(v) || !v.includes('/')) {
			state.sel.range = v;
			state.sel.from = '';
			state.sel.to = '';
		}
		loadData();
	});
	$('sensor-select').addEventListener('change', (e) => {
		state.sel.sensor = e.target.value;
		if (state.sel.sensor) state.sel.org = '';
		loadData();
	});
	$('org-select').addEventListener('change', (e) => {
		state.sel.org = e.target.value;
		if (state.sel.org) state.sel.sensor = '';
		loadData();
	});
	for (const b of document.querySelectorAll('[data-lang]')) {
		b.addEventListener('click', () => {
			setLang(b.dataset.lang, true);
			renderAll();
			ready();
		});
	}
	$('controls').addEventListener('submit', (e) => e.preventDefault());
}

async function start() {
	try {
		await loadCatalogs();
	} catch {
		$('status').textContent = 'keikai: the message catalogs could not be loaded / メッセージカタログを読み込めません';
		document.body.dataset.state = 'failed';
		return;
	}
	setLang(initialLang(), false);
	readLocation();
	applyStatic();
	busy();
	const [ranges, sensors, orgs] = await Promise.all([settle(api('ranges')), settle(api('sensors')), settle(api('orgs'))]);
	if (ranges.data) {
		state.ranges = ranges.data;
		setZone(ranges.data.timezone);
		if (!state.sel.range && !(state.sel.from && state.sel.to)) state.sel.range = ranges.data.current_quarter || '';
	} else {
		state.rangesError = ranges.error;
	}
	state.sensors = sensors;
	state.orgs = orgs;
	onControls();
	await loadData();
}

// For tests and the console: the charts' data as read-only copies, and the page's state.
Object.defineProperty(window, 'keikai', {
	value: Object.freeze({
		get charts() {
			return snapshot();
		},
		get generation() {
			return state.generation;
		},
		get selection() {
			return Object.freeze({ ...state.sel, year: state.yearTitle });
		},
	}),
	writable: false,
	configurable: false,
});

start();
