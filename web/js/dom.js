// Building DOM without HTML parsing: every string becomes a text node or an attribute value,
// so text from the API stays inert whatever it contains.

// h(tag, attrs, ...children): a new element. attrs: "class", "text" (textContent), "on<event>"
// (listener), "dataset" (object), anything else through setAttribute; null/false values are
// skipped. children: nodes, strings (text nodes), arrays of either, null (skipped).
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k === 'class') el.className = v;
		else if (k === 'text') el.textContent = String(v);
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else if (c instanceof Node) el.appendChild(c);
		else el.appendChild(document.createTextNode(String(c)));
	}
}

// clear(el, ...children): replace el's content.
export function clear(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

// table(columns, rows, opts): a scrollable table. columns: [{label, cls}], rows: arrays of cell
// content (string, number or node). opts.caption, opts.id.
export function table(columns, rows, opts = {}) {
	const thead = h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.label))));
	const tbody = h('tbody', null, rows.map((r) => h('tr', null, r.map((cell, i) => h('td', { class: columns[i] && columns[i].cls }, cell)))));
	const t = h('table', { class: 'k-table', id: opts.id }, opts.caption ? h('caption', { text: opts.caption }) : null, thead, tbody);
	return h('div', { class: 'k-table-wrap' }, t);
}
