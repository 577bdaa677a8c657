/* Steady-state cost: no heap allocation per kevent() call; O(1) per change/event. */
#include "harness.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static atomic_long g_allocs;
static atomic_int g_counting;

void *malloc(size_t n)
{
	if (atomic_load_explicit(&g_counting, memory_order_relaxed))
		atomic_fetch_add(&g_allocs, 1);
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (atomic_load_explicit(&g_counting, memory_order_relaxed))
		atomic_fetch_add(&g_allocs, 1);
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (atomic_load_explicit(&g_counting, memory_order_relaxed))
		atomic_fetch_add(&g_allocs, 1);
	return __libc_realloc(p, n);
}

static void t_no_alloc_steady_state(void)
{
	int kq = kqueue();
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add r");
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_ADD | EV_DISPATCH, 0, 0, 0) == 0, "add w");
	CHECK(kch(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add u");
	CHECK(kch(kq, 2, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 500, 0) == 0, "add t");
	struct kevent ev[8], ch;
	char b[16];
	/* warm up (lazily created per-kqueue resources) */
	for (int i = 0; i < 10; i++)
		kwait(kq, ev, 8, 1);
	atomic_store(&g_allocs, 0);
	atomic_store(&g_counting, 1);
	long events = 0;
	for (int i = 0; i < 2000; i++) {
		EV_SET(&ch, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0);
		(void)!write(sv[1], "x", 1);
		int r = kevent(kq, &ch, 1, ev, 8, NULL);
		if (r > 0)
			events += r;
		(void)!read(sv[0], b, sizeof b);
		EV_SET(&ch, sv[0], EVFILT_WRITE, EV_ENABLE, 0, 0, 0);
		kevent(kq, &ch, 1, NULL, 0, NULL);
	}
	atomic_store(&g_counting, 0);
	long n = atomic_load(&g_allocs);
	CHECK(events >= 2000, "events %ld", events);
	CHECK(n == 0, "%ld heap allocations in 2000 steady-state calls", n);
	close(sv[0]);
	close(sv[1]);
	close(kq);
}

static void t_o1_with_many_fds(void)
{
	enum { N = 400 };
	int kq = kqueue();
	int p[N][2];
	for (int i = 0; i < N; i++) {
		CHECK(pipe(p[i]) == 0, "pipe %d", i);
		CHECK(kch(kq, p[i][0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
	}
	struct kevent ev;
	long t0 = h_now_ms();
	for (int k = 0; k < 20000; k++) {
		int i = k % N;
		(void)!write(p[i][1], "y", 1);
		CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.ident == (uintptr_t)p[i][0], "event %d", k);
		char c;
		(void)!read(p[i][0], &c, 1);
	}
	long dt = h_now_ms() - t0;
	CHECK(dt < 8000, "20000 round trips with %d idle knotes took %ld ms", N, dt);
	for (int i = 0; i < N; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	close(kq);
}

int main(void)
{
	RUN(t_no_alloc_steady_state);
	RUN(t_o1_with_many_fds);
	return h_finish();
}
