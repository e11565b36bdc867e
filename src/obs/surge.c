/* surge.c - port surge rules: robust and rolling thresholds on daily counts, and new top ports */
#include "surge.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/banned.h"
#include "../lib/ckd.h"

void surge_params_default(struct surge_params *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->history_days = 90;
	ret->window_days = 28;
	ret->min_history = 7;
	ret->min_value = 10;
	ret->k_iqr = 2;
	ret->k_sd = 2;
	ret->top_n = 10;
	ret->new_top_window = 28;
	ret->new_top_min = 7;
}

static bool is_value(double v)
{
	return isfinite(v) && v >= 0 && v <= SURGE_MAX_VALUE;
}

static bool factor_ok(double k)
{
	return isfinite(k) && k >= 0 && k <= SURGE_MAX_VALUE;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile p of sorted v[0..n), n >= 1: linear interpolation between the order statistics
 * around position (n - 1) p, counted from 0 (Hyndman and Fan's type 7). */
static double quantile(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)h;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

int surge_check(const double *history, size_t n_hist, double x, const struct surge_params *p,
		struct surge_stats *ret)
{
	struct surge_stats st;
	double *sorted = NULL;
	size_t bytes;

	if (p->history_days == 0 || p->history_days > SURGE_MAX_HISTORY || p->window_days == 0 ||
	    p->window_days > SURGE_MAX_HISTORY || !factor_ok(p->k_iqr) || !factor_ok(p->k_sd) ||
	    !factor_ok(p->min_value) || (n_hist && !history))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	if (is_value(x))
		st.value = x;

	/* rule (a): median and IQR over the days with data among the last H */
	size_t h = n_hist < p->history_days ? n_hist : p->history_days;
	const double *hist = h ? history + (n_hist - h) : NULL;
	if (!ckd_size_mul(h ? h : 1, sizeof(double), &bytes))
		return -EINVAL;
	sorted = malloc(bytes);
	if (!sorted)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < h; i++)
		if (is_value(hist[i]))
			sorted[n++] = hist[i];
	st.n_history = (unsigned)n;
	if (n > 0) {
		qsort(sorted, n, sizeof(double), cmp_double);
		st.median = quantile(sorted, n, 0.5);
		st.iqr = quantile(sorted, n, 0.75) - quantile(sorted, n, 0.25);
	}
	free(sorted);

	/* rule (b): mean and population SD over the days with data among the last W; two passes,
	 * so that large equal values give an SD of exactly 0 */
	size_t w = n_hist < p->window_days ? n_hist : p->window_days;
	const double *win = w ? history + (n_hist - w) : NULL;
	size_t m = 0;
	double sum = 0;
	for (size_t i = 0; i < w; i++)
		if (is_value(win[i])) {
			sum += win[i];
			m++;
		}
	st.n_window = (unsigned)m;
	if (m > 0) {
		double mean = sum / (double)m, ss = 0;
		for (size_t i = 0; i < w; i++)
			if (is_value(win[i]))
				ss += (win[i] - mean) * (win[i] - mean);
		st.mean = mean;
		st.sd = sqrt(ss / (double)m);
	}

	st.fired = is_value(x) && x >= p->min_value && n >= p->min_history && n > 0 &&
		   m >= p->min_history && m > 0 && x > st.median + p->k_iqr * st.iqr &&
		   x > st.mean + p->k_sd * st.sd;
	*ret = st;
	return 0;
}

int surge_new_top(const uint32_t *today, size_t n_today, const uint32_t *const *prev,
		  const size_t *prev_n, size_t n_prev, const struct surge_params *p, bool *ret_new)
{
	if (p->top_n == 0 || p->top_n > 65536 || p->new_top_window == 0 ||
	    (n_today && (!today || !ret_new)) || (n_prev && !prev_n))
		return -EINVAL;
	for (size_t i = 0; i < n_today; i++)
		ret_new[i] = false;

	size_t w = n_prev < p->new_top_window ? n_prev : p->new_top_window;
	size_t first = n_prev - w, days = 0;
	for (size_t d = first; d < n_prev; d++) {
		if (prev_n[d] && !prev[d])
			return -EINVAL;
		if (prev_n[d])
			days++;
	}
	if (days < p->new_top_min || days == 0)
		return 0;

	size_t nt = n_today < p->top_n ? n_today : p->top_n;
	int count = 0;
	for (size_t i = 0; i < nt; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = today[j] == today[i]; /* a port listed twice is new once */
		for (size_t d = first; d < n_prev && !seen; d++) {
			size_t k = prev_n[d] < p->top_n ? prev_n[d] : p->top_n;
			for (size_t e = 0; e < k && !seen; e++)
				seen = prev[d][e] == today[i];
		}
		if (!seen) {
			ret_new[i] = true;
			count++;
		}
	}
	return count;
}
