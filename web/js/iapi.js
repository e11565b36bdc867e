// The incident API (docs/api-incident.md): JSON requests under api/v1/, relative to the page.
// The session's CSRF value lives only in this module's memory; every request other than GET/HEAD
// carries it as X-CSRF-Token. The session cookie itself is HttpOnly and never seen by a script.

let csrf = '';

// An answer that is not a success: code is the API's error code ("bad_field", "csrf"...), or one
// of the page's own: "network" (no answer), "bad_answer" (not JSON), "http" (no error body).
export class IncError extends Error {
	constructor(code, status, field) {
		super(code);
		this.code = code;
		this.status = status;
		this.field = field || '';
	}
}

export function setCsrf(v) {
	csrf = typeof v === 'string' ? v : '';
}

// url(path, params): the address of an API route as a string; empty/null params are left out.
export function url(path, params) {
	const u = new URL(`api/v1/${path}`, document.baseURI);
	for (const [k, v] of Object.entries(params || {})) {
		if (v !== null && v !== undefined && v !== '') u.searchParams.set(k, String(v));
	}
	return u.toString();
}

function errorOf(body, status) {
	const e = body && body.error;
	if (typeof e === 'string') return new IncError(e, status, body.field);
	if (e && typeof e === 'object' && typeof e.code === 'string') return new IncError(e.code, status, e.field);
	return new IncError('http', status);
}

// call(method, path, params, body): the parsed JSON answer (or {} for 204), or throws IncError.
export async function call(method, path, params, body) {
	const headers = { Accept: 'application/json' };
	const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
	if (method !== 'GET' && method !== 'HEAD') {
		if (csrf) headers['X-CSRF-Token'] = csrf;
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
	}
	let r;
	try {
		r = await fetch(url(path, params), init);
	} catch {
		throw new IncError('network', 0);
	}
	let data = null;
	const text = await r.text().catch(() => '');
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	if (!r.ok) throw errorOf(data, r.status);
	if (r.status === 204 || !text) return {};
	if (data === null || typeof data !== 'object') throw new IncError('bad_answer', r.status);
	return data;
}

export const get = (path, params) => call('GET', path, params);
export const post = (path, body) => call('POST', path, null, body);
export const patch = (path, body) => call('PATCH', path, null, body);
export const del = (path) => call('DELETE', path, null);
