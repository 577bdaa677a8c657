/*
 * Darwin's <sys/event.h> ABI for the Linux kqueue emulation (libkqueue-emulation.so).
 *
 * Layouts and constants follow xnu (bsd/sys/event.h): struct kevent is 32 bytes (pack(4)),
 * struct kevent64_s is 48 bytes, EVFILT_USER is -10, timer unit bits are Darwin's.
 * errno values produced by the emulation are the host's (Linux) numbers.
 *
 * With KQ_ABI_FREEBSD defined, FreeBSD 12+'s instead (libkqueue-emulation-freebsd.so): one
 * struct kevent of 64 bytes with ext[4], no kevent64, EVFILT_USER -11, EVFILT_EMPTY -13,
 * FreeBSD's timer unit bits and EV_FORCEONESHOT/EV_KEEPUDATA in place of Darwin's 0x100/0x200.
 */
#ifndef KQUEUE_EMULATION_EVENT_H
#define KQUEUE_EMULATION_EVENT_H

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- filters ---- */
#define EVFILT_READ             (-1)
#define EVFILT_WRITE            (-2)
#define EVFILT_AIO              (-3)    /* attached to aio requests (unsupported) */
#define EVFILT_VNODE            (-4)
#define EVFILT_PROC             (-5)
#define EVFILT_SIGNAL           (-6)
#define EVFILT_TIMER            (-7)
#define EVFILT_FS               (-9)
#ifdef KQ_ABI_FREEBSD
#define EVFILT_PROCDESC         (-8)
#define EVFILT_LIO              (-10)
#define EVFILT_USER             (-11)
#define EVFILT_SENDFILE         (-12)
#define EVFILT_EMPTY            (-13)
#define EVFILT_SYSCOUNT         13
#else
#define EVFILT_MACHPORT         (-8)
#define EVFILT_USER             (-10)
/* -11 unused */
#define EVFILT_VM               (-12)
#define EVFILT_SOCK             (-13)   /* private on Darwin */
#define EVFILT_MEMORYSTATUS     (-14)   /* private on Darwin */
#define EVFILT_EXCEPT           (-15)
#define EVFILT_NW_CHANNEL       (-16)   /* private on Darwin */
#define EVFILT_WORKLOOP         (-17)   /* private on Darwin */
#define EVFILT_EXCLAVES_NOTIFICATION (-18) /* private on Darwin */
#define EVFILT_SYSCOUNT         18
#define EVFILT_THREADMARKER     EVFILT_SYSCOUNT
#endif

#ifdef KQ_ABI_FREEBSD
struct kevent {
	uintptr_t       ident;
	short           filter;
	unsigned short  flags;
	unsigned int    fflags;
	int64_t         data;
	void           *udata;
	uint64_t        ext[4]; /* ext[0..1] filter-defined, ext[2..3] passed through */
};

#define EV_SET(kevp, a, b, c, d, e, f) do {                   \
	struct kevent *__kevp__ = (kevp);                     \
	__kevp__->ident = (uintptr_t)(a);                     \
	__kevp__->filter = (short)(b);                        \
	__kevp__->flags = (unsigned short)(c);                \
	__kevp__->fflags = (unsigned int)(d);                 \
	__kevp__->data = (int64_t)(e);                        \
	__kevp__->udata = (void *)(uintptr_t)(f);             \
	__kevp__->ext[0] = __kevp__->ext[1] = 0;              \
	__kevp__->ext[2] = __kevp__->ext[3] = 0;              \
} while (0)
#else
#pragma pack(4)
struct kevent {
	uintptr_t       ident;  /* identifier for this event */
	int16_t         filter; /* filter for event */
	uint16_t        flags;  /* general flags */
	uint32_t        fflags; /* filter-specific flags */
	intptr_t        data;   /* filter-specific data */
	void           *udata;  /* opaque user data identifier */
};
#pragma pack()

struct kevent64_s {
	uint64_t        ident;  /* identifier for this event */
	int16_t         filter; /* filter for event */
	uint16_t        flags;  /* general flags */
	uint32_t        fflags; /* filter-specific flags */
	int64_t         data;   /* filter-specific data */
	uint64_t        udata;  /* opaque user data identifier */
	uint64_t        ext[2]; /* filter-specific extensions */
};

#define EV_SET(kevp, a, b, c, d, e, f) do {                   \
	struct kevent *__kevp__ = (kevp);                     \
	__kevp__->ident = (uintptr_t)(a);                     \
	__kevp__->filter = (int16_t)(b);                      \
	__kevp__->flags = (uint16_t)(c);                      \
	__kevp__->fflags = (uint32_t)(d);                     \
	__kevp__->data = (intptr_t)(e);                       \
	__kevp__->udata = (void *)(uintptr_t)(f);             \
} while (0)

#define EV_SET64(kevp, a, b, c, d, e, f, g, h) do {           \
	struct kevent64_s *__kevp__ = (kevp);                 \
	__kevp__->ident = (uint64_t)(a);                      \
	__kevp__->filter = (int16_t)(b);                      \
	__kevp__->flags = (uint16_t)(c);                      \
	__kevp__->fflags = (uint32_t)(d);                     \
	__kevp__->data = (int64_t)(e);                        \
	__kevp__->udata = (uint64_t)(f);                      \
	__kevp__->ext[0] = (uint64_t)(g);                     \
	__kevp__->ext[1] = (uint64_t)(h);                     \
} while (0)

/* ---- kevent64 flags ---- */
#define KEVENT_FLAG_NONE                        0x000000
#define KEVENT_FLAG_IMMEDIATE                   0x000001
#define KEVENT_FLAG_ERROR_EVENTS                0x000002
/* private (listed for completeness; the emulation rejects the EINVAL ones) */
#define KEVENT_FLAG_STACK_DATA                  0x000008
#define KEVENT_FLAG_WORKQ                       0x000020
#define KEVENT_FLAG_WORKLOOP                    0x000400
#define KEVENT_FLAG_DYNAMIC_KQ_MUST_EXIST       0x020000
#define KEVENT_FLAG_DYNAMIC_KQ_MUST_NOT_EXIST   0x040000
#endif /* KQ_ABI_FREEBSD */

/* ---- actions ---- */
#define EV_ADD              0x0001      /* add event to kq (implies enable) */
#define EV_DELETE           0x0002      /* delete event from kq */
#define EV_ENABLE           0x0004      /* enable event */
#define EV_DISABLE          0x0008      /* disable event (not reported) */

/* ---- flags ---- */
#define EV_ONESHOT          0x0010      /* only report one occurrence */
#define EV_CLEAR            0x0020      /* clear event state after reporting */
#define EV_RECEIPT          0x0040      /* force immediate event output */
#define EV_DISPATCH         0x0080      /* disable event after reporting */
#ifdef KQ_ABI_FREEBSD
#define EV_FORCEONESHOT     0x0100      /* make an existing knote oneshot and activate it */
#define EV_KEEPUDATA        0x0200      /* a modify keeps the stored udata */
#else
#define EV_UDATA_SPECIFIC   0x0100      /* unique kevent per udata value */
#define EV_DISPATCH2        (EV_DISPATCH | EV_UDATA_SPECIFIC)
#define EV_VANISHED         0x0200      /* report that source has vanished */
#endif

#define EV_SYSFLAGS         0xF000      /* reserved by system */
#define EV_FLAG0            0x1000      /* filter-specific flag */
#define EV_FLAG1            0x2000      /* filter-specific flag */

/* ---- returned values ---- */
#define EV_EOF              0x8000      /* EOF detected */
#define EV_ERROR            0x4000      /* error, data contains errno */

#define EV_POLL             EV_FLAG0
#define EV_OOBAND           EV_FLAG1

/* ---- EVFILT_USER fflags ---- */
#define NOTE_TRIGGER        0x01000000
#define NOTE_FFNOP          0x00000000
#define NOTE_FFAND          0x40000000
#define NOTE_FFOR           0x80000000
#define NOTE_FFCOPY         0xc0000000
#define NOTE_FFCTRLMASK     0xc0000000
#define NOTE_FFLAGSMASK     0x00ffffff

/* ---- EVFILT_READ / EVFILT_WRITE / EVFILT_EXCEPT fflags ---- */
#define NOTE_LOWAT          0x00000001
#define NOTE_OOB            0x00000002

/* ---- EVFILT_VNODE fflags ---- */
#define NOTE_DELETE         0x00000001
#define NOTE_WRITE          0x00000002
#define NOTE_EXTEND         0x00000004
#define NOTE_ATTRIB         0x00000008
#define NOTE_LINK           0x00000010
#define NOTE_RENAME         0x00000020
#define NOTE_REVOKE         0x00000040
#define NOTE_NONE           0x00000080
#define NOTE_FUNLOCK        0x00000100
#define NOTE_LEASE_DOWNGRADE 0x00000200
#define NOTE_LEASE_RELEASE  0x00000400

/* ---- EVFILT_PROC fflags ---- */
#define NOTE_EXIT           0x80000000U
#define NOTE_FORK           0x40000000
#define NOTE_EXEC           0x20000000
#define NOTE_REAP           0x10000000
#define NOTE_SIGNAL         0x08000000
#define NOTE_EXITSTATUS     0x04000000
#define NOTE_EXIT_DETAIL    0x02000000
#define NOTE_PDATAMASK      0x000fffff
#define NOTE_PCTRLMASK      (~NOTE_PDATAMASK)
#define NOTE_TRACK          0x00000001
#define NOTE_TRACKERR       0x00000002
#define NOTE_CHILD          0x00000004

#ifdef KQ_ABI_FREEBSD
/* ---- EVFILT_TIMER fflags (FreeBSD numbering) ---- */
#define NOTE_SECONDS                0x00000001
#define NOTE_MSECONDS               0x00000002  /* also the default (no unit bit) */
#define NOTE_USECONDS               0x00000004
#define NOTE_NSECONDS               0x00000008
#define NOTE_ABSTIME                0x00000010  /* absolute deadline (realtime epoch) */
#else
/* ---- EVFILT_TIMER fflags (Darwin numbering) ---- */
#define NOTE_SECONDS                0x00000001  /* data is seconds */
#define NOTE_USECONDS               0x00000002  /* data is microseconds */
#define NOTE_NSECONDS               0x00000004  /* data is nanoseconds */
#define NOTE_ABSOLUTE               0x00000008  /* absolute timeout (gettimeofday epoch) */
#define NOTE_LEEWAY                 0x00000010  /* ext[1] holds leeway */
#define NOTE_CRITICAL               0x00000020
#define NOTE_BACKGROUND             0x00000040
#define NOTE_MACH_CONTINUOUS_TIME   0x00000080
#define NOTE_MACHTIME               0x00000100  /* data is mach absolute time units */
#endif

/* ---- entry points ---- */
int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout);
#ifndef KQ_ABI_FREEBSD
int kevent64(int kq, const struct kevent64_s *changelist, int nchanges,
    struct kevent64_s *eventlist, int nevents, unsigned int flags,
    const struct timespec *timeout);
#endif

#ifdef __cplusplus
}
#endif

#endif /* KQUEUE_EMULATION_EVENT_H */
