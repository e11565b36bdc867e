// Form helpers of the incident pages: a labelled field with its own error line, and the
// client-side checks that repeat the server's rules (docs/accounts.md) so a typing mistake is
// caught before the request; the server checks again and is the one that decides.
import { h, clear } from './dom.js';
import { t, has } from './i18n.js';
import { errorText } from './inc-common.js';

// A user or token name: 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or a digit.
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;

// passwordBytes(s): the length the server counts (UTF-8 bytes).
export function passwordBytes(s) {
	return new TextEncoder().encode(String(s)).length;
}

export function passwordOk(s) {
	const n = passwordBytes(s);
	return n >= PASSWORD_MIN && n <= PASSWORD_MAX;
}

// field(labelKey, input, name): a <label> with the control and an empty error line
// (.k-fielderr[data-field=name]) that showFieldError fills.
export function field(labelKey, input, name, extra) {
	return h('label', { class: extra && extra.wide ? 'k-wide' : null, dataset: { field: name } },
		t(labelKey), input, extra && extra.note ? h('span', { class: 'k-meta' }, extra.note) : null,
		h('span', { class: 'k-fielderr', role: 'alert', dataset: { field: name } }));
}

// clearErrors(form): empty every error line of the form.
export function clearErrors(form) {
	for (const el of form.querySelectorAll('.k-fielderr')) {
		clear(el);
		delete el.dataset.code;
	}
}

// showFieldError(form, name, code, params): the message for a field: for bad_field the rule of
// the field (fielderr.<name>), else the error code's message; false when the form has no such
// field.
export function showFieldError(form, name, code, params) {
	const el = [...form.querySelectorAll('.k-fielderr')].find((x) => x.dataset.field === name);
	if (!el) return false;
	const key = `fielderr.${name}`;
	clear(el, (!code || code === 'bad_field') && has(key) ? t(key, params) : errorText({ code }));
	el.dataset.code = code || 'bad_field';
	const input = el.parentElement && el.parentElement.querySelector('input, select, textarea');
	if (input) input.focus();
	return true;
}
