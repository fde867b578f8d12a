// SPDX-License-Identifier: BSD-2-Clause
/*
 * progress.c - "still working" on a terminal for what can take seconds
 * (loading the in-kernel interpreter took 4.5 s on one machine, its
 * verification is most of it).  A thread redraws one line on stderr
 * while the caller blocks in the kernel; nothing at all when stderr is
 * not a terminal, so scripts, logs and JSON readers never see it, and
 * nothing for work that ends within the first half second.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rloader.h"

#define PROGRESS_DELAY_NS	500000000ull	/* quiet for quick work */
#define PROGRESS_TICK_NS	200000000ull

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running, stop, drawn;
	char what[128];
	uint64_t t0;
} pg = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void deadline(struct timespec *ts, uint64_t ns)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000ull;
	ts->tv_nsec = ns % 1000000000ull;
}

static void *progress_thread(void *arg)
{
	static const char spin[] = "|/-\\";
	struct timespec ts;
	unsigned int n = 0;

	(void)arg;
	pthread_mutex_lock(&pg.lock);
	deadline(&ts, PROGRESS_DELAY_NS);
	while (!pg.stop) {
		if (pthread_cond_timedwait(&pg.cond, &pg.lock, &ts) == 0)
			continue;	/* woken: stop, or spurious */
		if (pg.stop)
			break;
		fprintf(stderr, "\r%s %c %.1f s", pg.what, spin[n++ % 4],
			(mono_ns() - pg.t0) / 1e9);
		fflush(stderr);
		pg.drawn = true;
		deadline(&ts, PROGRESS_TICK_NS);
	}
	pthread_mutex_unlock(&pg.lock);
	return NULL;
}

void progress_begin(const char *what)
{
	if (pg.running || !isatty(STDERR_FILENO))
		return;
	snprintf(pg.what, sizeof(pg.what), "%s", what);
	pg.t0 = mono_ns();
	pg.stop = pg.drawn = false;
	pg.running = !pthread_create(&pg.thread, NULL, progress_thread, NULL);
}

void progress_end(void)
{
	if (!pg.running)
		return;
	pthread_mutex_lock(&pg.lock);
	pg.stop = true;
	pthread_cond_signal(&pg.cond);
	pthread_mutex_unlock(&pg.lock);
	pthread_join(pg.thread, NULL);
	pg.running = false;
	if (pg.drawn) {
		/* Erase the line: what follows is the verb's own output. */
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}
