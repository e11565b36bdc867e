// Shared by the browser tests: TAP output, the server's base URL, and Debian's chromium.
import { chromium } from 'playwright-core';

// TAP: numbered "ok N - name" / "not ok N - name" lines with "# " diagnostics, plan at the end.
export class Tap {
	constructor() {
		this.n = 0;
		this.failed = 0;
	}
	ok(cond, name, diag) {
		this.n += 1;
		if (cond) {
			console.log(`ok ${this.n} - ${name}`);
		} else {
			this.failed += 1;
			console.log(`not ok ${this.n} - ${name}`);
			if (diag !== undefined) for (const l of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n')) console.log(`# ${l}`);
		}
		return !!cond;
	}
	skip(name, reason) {
		this.n += 1;
		console.log(`ok ${this.n} - ${name} # SKIP ${reason}`);
	}
	// run(name, fn): fn throws or returns false -> not ok.
	async run(name, fn) {
		try {
			const r = await fn();
			if (r && r.skip) return this.skip(name, r.skip);
			if (r && r.fail) return this.ok(false, name, r.diag);
			return this.ok(r === true, name, r === false ? 'false' : r);
		} catch (e) {
			return this.ok(false, name, e && e.stack ? e.stack : String(e));
		}
	}
	done() {
		console.log(`1..${this.n}`);
		process.exitCode = this.failed ? 1 : 0;
	}
}

// baseUrl(): KEIKAI_URL with a trailing slash; the tests cannot run without it.
export function baseUrl() {
	const u = process.env.KEIKAI_URL;
	if (!u) {
		console.log('1..0 # SKIP KEIKAI_URL is not set');
		console.error('KEIKAI_URL must name the server to test, e.g. http://127.0.0.1:8080/');
		process.exit(2);
	}
	return u.endsWith('/') ? u : `${u}/`;
}

// launch(): headless Debian chromium with a fresh profile (playwright makes a new temporary
// user-data-dir for every launch), no network beyond what the page asks for.
export function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
}

// getJson(base, path): fetch from the server under test: {status, body}.
export async function getJson(base, path) {
	const r = await fetch(new URL(path, base));
	let body = null;
	try {
		body = await r.json();
	} catch {
		body = null;
	}
	return { status: r.status, body, type: r.headers.get('content-type') || '' };
}

// fail(diag): the result of a failed check, with what to print under it.
export function fail(diag) {
	return { fail: true, diag };
}

export function same(a, b) {
	return JSON.stringify(a) === JSON.stringify(b);
}
