/* replay.h: a source that plays a trace file (docs/trace-format.md) back,
 * sample by sample. It never waits: the main loop asks replay_next_delay()
 * how long to wait before the next sample at the chosen speed and schedules
 * it, so pause, speed changes and seeking are the loop's business.
 *
 * Malformed lines are skipped and counted (replay_bad_lines); events are not
 * samples, so sample() steps over them and keeps them for replay_events() /
 * replay_last_event(). With loop, the trace starts again at its end and times
 * keep increasing (each pass is shifted by the span of the trace plus one
 * sampling interval), so histories downstream never see time go backwards. */
#ifndef VT_REPLAY_H
#define VT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "source/source.h"
#include "source/trace.h"

/* Open path (plain or gzip) as a source. speed is the default for
 * replay_next_delay (1.0 = real time). Fails (VT_ERR, err filled) if the file
 * cannot be opened or holds no sample at all. Release with source_close(). */
int replay_source_open(const char *path, double speed, bool loop, struct source **out, char *err,
                       size_t errlen);

/* Seconds to wait, at `speed` (<= 0: the speed given to open), between the
 * sample last returned and the next one; 0 before the first sample or when
 * time does not advance; -1 when no sample follows (end, not looping). */
double replay_next_delay(struct source *src, double speed);

/* Why the sample last returned starts a new segment of the trace (time went
 * back, or jumped ahead more than a day: see trace.h), or NULL when it
 * continues the previous one. Borrowed, valid until the next sample(). */
const char *replay_segment_break(struct source *src);
/* Segment breaks delivered so far, and the last one's reason (borrowed;
 * last may be NULL). */
unsigned long replay_segment_breaks(struct source *src, const char **last);

/* Time of the sample last returned (NAN before the first). */
double replay_time(struct source *src);

/* The events that came between the previous sample and the last returned one
 * (after VT_EOF: the events after the last sample). Borrowed: valid until the
 * next sample() or seek. Returns how many. */
size_t replay_events(struct source *src, const struct trace_event **evs);

/* The most recent event delivered so far, NULL if none. Borrowed, as above. */
const struct trace_event *replay_last_event(struct source *src);

/* Malformed lines skipped so far, and the last one's message ("LINE: ...")
 * through *last (borrowed; NULL to ignore). */
unsigned long replay_bad_lines(struct source *src, const char **last);

/* Position so that the next sample() returns the first sample at or after
 * time t (of the first pass), or the last sample if t is past the end.
 * Forward seeks read on; backward seeks reopen the file and read from the
 * start (at some hundreds of MB/s). Events skipped over are dropped except
 * that replay_last_event() reflects the last of them. VT_OK or VT_ERR. */
int replay_seek(struct source *src, double t, char *err, size_t errlen);

#endif
