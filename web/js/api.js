// The observation API (docs/api-obs.md): GET requests under api/v1/obs/, relative to the page.

// An answer that is not a success: code is the API's error code ("bad_range"...), or one of the
// page's own: "network" (no answer), "bad_answer" (not the expected JSON), "http" (an error
// status without an error body).
export class ApiError extends Error {
	constructor(code, status) {
		super(code);
		this.code = code;
		this.status = status;
	}
}

// apiUrl(path, params): the URL of an endpoint as a string; params with null values are left out.
export function apiUrl(path, params) {
	const u = new URL(`api/v1/obs/${path}`, document.baseURI);
	for (const [k, v] of Object.entries(params || {})) {
		if (v !== null && v !== undefined && v !== '') u.searchParams.set(k, String(v));
	}
	return u.toString();
}

// api(path, params): the parsed JSON answer, or throws ApiError.
export async function api(path, params) {
	let r;
	try {
		r = await fetch(apiUrl(path, params), { headers: { Accept: 'application/json' } });
	} catch {
		throw new ApiError('network', 0);
	}
	let body = null;
	try {
		body = await r.json();
	} catch {
		body = null;
	}
	if (!r.ok) {
		const code = body && body.error && typeof body.error.code === 'string' ? body.error.code : 'http';
		throw new ApiError(code, r.status);
	}
	if (body === null || typeof body !== 'object') throw new ApiError('bad_answer', r.status);
	return body;
}
