/*
 * srcu.pml - pvrcu SRCU: per-CPU lock/unlock counters in guest memory,
 * two-phase flip-and-scan by the host (DESIGN.md section 7).
 *
 * One domain, NCPU guest CPUs, NRD sleepable readers that may migrate.
 *   reader     pvsrcu_read_lock/unlock (guest-driver, not written yet):
 *              i = idx; lock[i]++ on this CPU; smp_mb(); ...section
 *              (may sleep, migrate)...; smp_mb(); unlock[i]++ on the CPU
 *              it runs on then.
 *   hw(c)      x86-TSO store buffer of guest CPU c: drains at any time.
 *   host       pvrcud/rcu-core SRCU GP on the domain (not written yet)
 *              plus the updater: unpublish, GP, free.
 *              GP: (a) wait until the inactive index 1-idx is drained,
 *              (b) flip idx, (c) wait until the old index is drained.
 *              "Drained": sum over CPUs of unlock[x] (read first), fence,
 *              sum of lock[x], equal.
 *
 * The struct behind it: virtio_rcu.h virtio_rcu_shm_srcu_domain (idx,
 * host writes) and virtio_rcu_shm_srcu_cpu (lock[2]/unlock[2], guest
 * writes, one line per CPU).
 *
 * Memory model: each guest CPU is x86-TSO (FIFO store buffer, own loads
 * forward, drains at any time, smp_mb() waits for an empty buffer). The
 * counters are per CPU and this_cpu_inc() is one instruction, so an
 * increment is one step (forwarded load + buffered store). The host and
 * updater are one sequentially consistent agent.
 *
 * Safety: assert(!freed[e]) at every use of the element.
 * Liveness (-DLIVE): under weak fairness every GP ends.
 *
 * Mutants (each must make spin find a violation):
 *   -DMUTANT_SRCU_ONE_PHASE    skip phase (a): flip and scan the old index
 *   -DMUTANT_SRCU_LOCKS_FIRST  sum lock[] before unlock[]
 *   -DMUTANT_SRCU_NO_MB        no smp_mb() between lock[i]++ and the section
 */

#ifndef NCPU
#define NCPU 2		/* guest CPUs */
#endif
#ifndef NRD
#define NRD  2		/* reader tasks */
#endif
#ifndef NSEC
#define NSEC 1		/* sections per reader task */
#endif
#ifndef NUPD
#define NUPD 3		/* updates, each followed by an SRCU GP */
#endif
#ifndef SB
#define SB   2		/* store-buffer entries per CPU */
#endif
#ifndef MIGRATE
#define MIGRATE 1	/* readers may move to another CPU mid-section */
#endif

/* counters in guest memory: index c*4 + var, var = LK0 LK1 UL0 UL1 */
#define LK(i) (i)
#define UL(i) (2 + (i))
byte mem[NCPU * 4];
byte idx;			/* domain idx, host writes */

byte sbe[NCPU * SB];		/* store buffer: value*4 + var */
byte sbn[NCPU];

byte ptr;
bit  freed[NUPD + 1];
bit  in_gp;			/* an SRCU GP is running (for LIVE) */

hidden byte k_;
hidden byte s_;

inline st(c, var, v) {
	sbe[c * SB + sbn[c]] = (v) * 4 + var;
	sbn[c]++
}

inline ld(c, var, r) {
	r = mem[c * 4 + var];
	k_ = 0;
	do
	:: k_ < sbn[c] ->
		if
		:: (sbe[c * SB + k_] & 3) == var -> r = sbe[c * SB + k_] / 4
		:: else
		fi;
		k_++
	:: else -> break
	od
}

inline drain1(c) {
	s_ = sbe[c * SB];
	mem[c * 4 + (s_ & 3)] = s_ / 4;
	if
	:: (s_ & 3) >= 2 -> printf("cpu%d: store visible: unlock[%d]=%d\n", c, s_ & 1, s_ / 4)
	:: else -> printf("cpu%d: store visible: lock[%d]=%d\n", c, s_ & 1, s_ / 4)
	fi;
	k_ = 1;
	do
	:: k_ < sbn[c] -> sbe[c * SB + k_ - 1] = sbe[c * SB + k_]; k_++
	:: else -> break
	od;
	sbn[c]--;
	sbe[c * SB + sbn[c]] = 0
}

/* this_cpu_inc(counter): one instruction on CPU c */
inline inc(c, var, t) {
	d_step { sbn[c] < SB -> ld(c, var, t); st(c, var, t + 1);
		 if
		 :: var >= 2 -> printf("cpu%d: unlock[%d]:=%d (buffered)\n", c, var & 1, t + 1)
		 :: else -> printf("cpu%d: lock[%d]:=%d (buffered)\n", c, var & 1, t + 1)
		 fi;
		 t = 0 }
}

/* smp_mb() on CPU c: MFENCE, wait until the store buffer is empty */
#define MB(c) (sbn[c] == 0)

/* the scheduler moves the task to any CPU */
inline migrate(c) {
#if MIGRATE
	if
	:: c = 0
	:: NCPU > 1 -> c = 1 % NCPU
	:: NCPU > 2 -> c = 2 % NCPU
	fi
#else
	skip
#endif
}

proctype reader(byte c)
{
	byte i, e, t, n;
	do
	:: n < NSEC ->
		/* pvsrcu_read_lock() */
		d_step { i = idx; printf("reader on cpu%d: idx=%d\n", c, i) };
		migrate(c);			/* preempted before the inc */
		inc(c, LK(i), t);
#ifndef MUTANT_SRCU_NO_MB
		MB(c);
#endif
		/* srcu_dereference(), use */
		d_step { e = ptr; printf("reader on cpu%d: p = e%d\n", c, e) };
		d_step { printf("reader on cpu%d: use e%d\n", c, e); assert(!freed[e]) };
		migrate(c);			/* sleeps, wakes elsewhere */
		d_step { printf("reader on cpu%d: use e%d\n", c, e); assert(!freed[e]) };
		/* pvsrcu_read_unlock(i) */
		MB(c);
		inc(c, UL(i), t);
		d_step { e = 0; i = 0; n++ }
	:: else -> break
	od
}

proctype hw(byte c)
{
end_hw:
	do
	:: d_step { sbn[c] > 0 -> drain1(c) }
	od
}

/*
 * Wait until index x is drained: sum of unlock[x] over CPUs, then (host
 * fence) sum of lock[x]; equal -> no reader holds x. Each per-CPU read
 * is one step: readers run between them. c counts the reads of a pass.
 */
#ifndef MUTANT_SRCU_LOCKS_FIRST
#define FIRST(x)  UL(x)		/* unlock counts first */
#define SECOND(x) LK(x)
#define USUM U
#define LSUM L
#else
#define FIRST(x)  LK(x)		/* weakened: lock counts first */
#define SECOND(x) UL(x)
#define USUM L
#define LSUM U
#endif
inline scan(x, c, L, U) {
	do
	:: d_step { c < NCPU -> USUM = USUM + mem[c * 4 + FIRST(x)]; c++ }
	:: d_step { c >= NCPU && c < 2 * NCPU ->
		    LSUM = LSUM + mem[(c - NCPU) * 4 + SECOND(x)]; c++ }
	:: d_step { c == 2 * NCPU && L == U ->
		    printf("host: scan idx %d: unlock sum %d, lock sum %d: drained\n", x, U, L);
		    L = 0; U = 0; c = 0 };
		break
	:: d_step { c == 2 * NCPU && L != U ->
		    printf("host: scan idx %d: unlock sum %d, lock sum %d\n", x, U, L);
		    L = 0; U = 0; c = 0 }
	od
}

proctype host()
{
	byte u, c, L, U, x;
	do
	:: u < NUPD ->
		d_step {
			ptr = u + 1;		/* rcu_assign_pointer */
			printf("updater: p := e%d, SRCU GP starts\n", u + 1);
			in_gp = 1;
			x = 1 - idx		/* (a) the inactive index */
		};
#ifndef MUTANT_SRCU_ONE_PHASE
		scan(x, c, L, U);
#endif
		atomic {	/* atomic: scan's break lands here */
			idx = 1 - idx;		/* (b) flip (host fences) */
			printf("host: flip, idx := %d\n", idx);
			x = 1 - idx		/* (c) the old index */
		};
		scan(x, c, L, U);
		atomic {
			x = 0; in_gp = 0;
			freed[u] = 1;		/* the updater frees */
			printf("updater: e%d freed (poisoned)\n", u);
			u++
		}
	:: else -> break
	od
}

#ifdef LIVE
ltl live { [] (in_gp -> <> !in_gp) }
#endif

init
{
	byte c, r;
	atomic {
		do
		:: c < NCPU -> run hw(c); c++
		:: else -> break
		od;
		do
		:: r < NRD -> run reader(r % NCPU); r++
		:: else -> break
		od;
		run host()
	}
}
