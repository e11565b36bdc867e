/* surge.h - port surge rules: robust and rolling thresholds on daily counts, and new top ports
 *
 * Pure arithmetic on series the caller reads from its store; the rules and their reasons are
 * in docs/events.md. Every function is thread-safe (no shared state).
 *
 * History values: one per day, oldest first, ending the day before the day tested. A value is a
 * day with data when it is finite and within 0..SURGE_MAX_VALUE; 0 is a real value (sensors
 * reported and the port was not seen). A day on which no sensor reported is NaN: it is left
 * out of both rules, never counted as 0.
 */
#ifndef KEIKAI_SURGE_H
#define KEIKAI_SURGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Larger values are not counts of anything: treated as days without data. */
#define SURGE_MAX_VALUE 1e15
/* Longest history surge_check takes (days): bounds its memory to 8 MiB. */
#define SURGE_MAX_HISTORY (1u << 20)

struct surge_params {
	unsigned history_days;	 /* H: days the median and IQR look back (90) */
	unsigned window_days;	 /* W: days the mean and SD look back (28) */
	unsigned min_history;	 /* days with data each window needs (7) */
	double min_value;	 /* the day's value must be at least this (10) */
	double k_iqr;		 /* threshold median + k_iqr * IQR (2) */
	double k_sd;		 /* threshold mean + k_sd * SD (2) */
	unsigned top_n;		 /* the "top" of a day: its first top_n ports (10) */
	unsigned new_top_window; /* days a new top port must have been absent from (28) */
	unsigned new_top_min;	 /* days of top lists that window needs (7) */
};

/* What the test computed. Every field is finite; statistics of a window without enough data
 * are 0. */
struct surge_stats {
	double value;		      /* x, or 0 when x is not a value */
	double median;		      /* over the days with data of the last H */
	double iqr;		      /* their interquartile range, Q3 - Q1 */
	double mean;		      /* over the days with data of the last W */
	double sd;		      /* their population standard deviation */
	unsigned n_history, n_window; /* days with data in each window */
	bool fired;
};

/* The defaults above. */
void surge_params_default(struct surge_params *ret);

/* Test day value x against history[0..n_hist) (only the last H entries are read). The day
 * surges when x >= min_value, both windows have min_history days with data, and x exceeds
 * both median + k_iqr * IQR and mean + k_sd * SD (strictly). Quartiles by linear interpolation
 * between order statistics (Hyndman and Fan type 7). Returns 0 and fills *ret (ret->fired is
 * the verdict), -EINVAL for parameters out of range (H or W of 0 or over SURGE_MAX_HISTORY, a
 * negative or non-finite k or min_value), -ENOMEM. */
int surge_check(const double *history, size_t n_hist, double x, const struct surge_params *p,
		struct surge_stats *ret);

/* "New top port": which of today's top ports were in none of the top lists of the previous
 * new_top_window days. today[0..n_today) is the day's ranking (by packets, best first; port
 * keys are the caller's, such as proto << 16 | port); only its first top_n count. prev[i],
 * prev_n[i] for i in 0..n_prev are earlier days' rankings, oldest first, ending the day
 * before; a day without data has prev_n[i] == 0 (prev[i] may then be NULL). Only the last
 * new_top_window days and the first top_n of each are read. When fewer than new_top_min of
 * those days have data, nothing is new. ret_new[i] (for i < n_today) is set for each of
 * today's ports; entries past top_n are false. Returns the number of new ports, or -EINVAL
 * for top_n of 0 or over 65536, or new_top_window of 0. */
int surge_new_top(const uint32_t *today, size_t n_today, const uint32_t *const *prev,
		  const size_t *prev_n, size_t n_prev, const struct surge_params *p, bool *ret_new);

#endif
