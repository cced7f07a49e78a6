/*
 * qs.pml - the pvrcu guest/host quiescent-state protocol (RCU-sched flavour)
 *
 * What runs here, and where it lives in the code:
 *   task(c)    guest CPU c, task context: readers (pvrcu_read_lock/unlock,
 *              nested), the outermost-unlock report, HLT when idle.
 *              (reader API: guest-driver, not written yet; report:
 *              guest-driver/virtio_rcu.c vrcu_report_qs_local)
 *   irq(c)     guest CPU c, interrupt context: the host's post
 *              (vrcu_evq_done -> vrcu_handle_event -> vrcu_report_qs_local)
 *              and any other interrupt that runs a reader section.
 *   hw(c)      the vCPU's hardware: x86-TSO store-buffer drains and VM exits
 *              (KVM `exits' statistic; an exit drains the buffer first).
 *   host       pvrcud + rcu-core/src/domain.c: gp_start, the scan of
 *              rcuc_advance/cpu_quiescent with the three quiescence
 *              sources of DESIGN.md section 4, post() (DESIGN.md section 5),
 *              gp_end/publish_seq, and the daemon-restart rule.
 *   updater    rcu_assign_pointer + rcuc_gp_request + free after the GP.
 *
 * Memory model. Every guest CPU is x86-TSO: its plain stores go into a
 * FIFO store buffer (sbe/sbn), its loads of its own record forward from
 * that buffer (ld), hw(c) drains the oldest entry at any time, smp_mb()
 * (MFENCE) waits until the buffer is empty, and a VM exit drains it before
 * the exit counter moves. Loads of anything else read memory in program
 * order (TSO keeps load->load and load->store order). The host and the
 * updater are sequentially consistent agents that read and write guest
 * memory directly (the host code fences around every publish).
 *
 * Property (safety): no reader uses an element freed after a GP that began
 * after the element was unpublished: assert(!freed[e]) at each use.
 * Property (liveness, -DLIVE): under weak fairness every requested GP
 * completes ([] (gp_completed < want -> <> gp_completed >= want)).
 *
 * Mutants (each must make spin find a violation):
 *   -DMUTANT_NO_EXIT           host accepts nesting == 0 without having
 *                              seen the exit counter move or the vCPU block
 *   -DMUTANT_NEST_BEFORE_EXIT  host reads nesting first, exit/blocking after
 *   -DMUTANT_NO_MB             report without smp_mb() (see README: on TSO
 *                              this one is expected NOT to fail)
 *   -DMUTANT_RESTART_TRUSTS_OLD restarted host ends the in-progress GP at once
 *   -DMUTANT_NO_POST           (liveness) host never posts to a laggard
 * Variant of the correct protocol:
 *   -DNEED_QS_FIRST            domain.c's order: need_qs written before the
 *                              new gp_seq is published (brief: after)
 */

/* ---- bounds (raise them for the deep mode) ---------------------------- */
#ifndef NCPU
#define NCPU      2	/* guest CPUs */
#endif
#ifndef NREADS
#define NREADS    1	/* task-context reader sections per CPU */
#endif
#ifndef TASK_NEST
#define TASK_NEST 2	/* depth of a task-context section (1 or 2) */
#endif
#ifndef NIRQREAD
#define NIRQREAD  1	/* interrupt-context reader sections per CPU */
#endif
#ifndef MAXEXIT
#define MAXEXIT   1	/* spontaneous VM exits per CPU */
#endif
#ifndef MAXHALT
#define MAXHALT   1	/* HLTs per CPU */
#endif
#ifndef NUPD
#define NUPD      1	/* elements unpublished (each needs its own GP) */
#endif
#ifndef NRESTART
#define NRESTART  1	/* host daemon crashes (state lost mid-GP) */
#endif
#ifndef SB
#define SB        2	/* store-buffer entries per CPU */
#endif

/* ---- gp_seq: Linux-style, low two bits are the phase ------------------ */
#define ACTIVE(s)   (((s) & 3) != 0)
#define SEQ_SNAP(s) ((((s) + 7) / 4) * 4)	/* rcuc_seq_snap */
#define END_OF(s)   (((s) | 3) + 1)		/* gp_end */

/* ---- shared memory (virtio_rcu.h struct virtio_rcu_shm_*) ------------- */
byte gp_seq;			/* header.gp_seq       host writes */
byte gp_completed;		/* header.gp_completed host writes */
byte need_qs[NCPU];		/* cpu[i].need_qs      host writes */
byte mem_nest[NCPU];		/* cpu[i].nesting      guest writes (via SB) */
byte mem_qs[NCPU];		/* cpu[i].qs_seq       guest writes (via SB) */

/* ---- per-vCPU hardware state ------------------------------------------ */
#define V_NEST 0
#define V_QS   1
byte sbe[NCPU * SB];		/* store buffer entries: value*2 + var */
byte sbn[NCPU];			/* entries in use, oldest at index 0 */
byte exits[NCPU];		/* KVM stat `exits' (host reads) */
bit  blocking[NCPU];		/* KVM stat `blocking' (host reads) */
bit  in_irq[NCPU];		/* CPU runs its interrupt handler */
bit  irq_pending[NCPU];		/* host post not yet taken (event queue) */

/* ---- the RCU-protected data ------------------------------------------- */
byte ptr;			/* the global pointer readers dereference */
bit  freed[NUPD + 1];		/* element poisoned by the updater */
byte want;			/* highest cookie requested (d->want) */

/* ---- host (pvrcud / rcu-core) private state: lost on a crash ---------- */
#define H_IDLE  0
#define H_START 1		/* g published; need_qs/snapshot next */
#define H_SCAN  2
byte hpc;			/* where the host is */
byte hgp;			/* d->gp_seq, authoritative */
bit  hqs[NCPU];			/* d->cpu[i].qs */
bit  hseen[NCPU];		/* exit moved / blocking seen after T0 */
bit  hnz[NCPU];			/* (MUTANT_NEST_BEFORE_EXIT) nesting read 0 */
bit  hposted[NCPU];		/* d->cpu[i].last_post_ns != 0 */
byte hsnap[NCPU];		/* exits snapshot taken after publishing g */
byte hi;			/* CPU being scanned */
byte hs;			/* scan sub-step */
byte ncrash;

hidden byte k_;			/* scratch inside d_steps */
hidden byte s_;

/* ---- TSO primitives --------------------------------------------------- */

/* Plain store by CPU c: appended to its store buffer (caller checks room). */
inline st(c, var, v) {
	sbe[c * SB + sbn[c]] = (v) * 2 + var;
	sbn[c]++
}

/* Load of CPU c's own record field: newest buffered value, else memory. */
inline ld(c, var, r) {
	if
	:: var == V_NEST -> r = mem_nest[c]
	:: else -> r = mem_qs[c]
	fi;
	k_ = 0;
	do
	:: k_ < sbn[c] ->
		if
		:: (sbe[c * SB + k_] & 1) == var -> r = sbe[c * SB + k_] / 2
		:: else
		fi;
		k_++
	:: else -> break
	od
}

/* The oldest buffered store of CPU c reaches memory. */
inline drain1(c) {
	s_ = sbe[c * SB];
	if
	:: (s_ & 1) == V_NEST -> mem_nest[c] = s_ / 2
	:: else -> mem_qs[c] = s_ / 2
	fi;
	k_ = 1;
	do
	:: k_ < sbn[c] -> sbe[c * SB + k_ - 1] = sbe[c * SB + k_]; k_++
	:: else -> break
	od;
	sbn[c]--;
	sbe[c * SB + sbn[c]] = 0
}

inline drain_all(c) {
	do
	:: sbn[c] > 0 -> drain1(c)
	:: else -> break
	od
}

/*
 * vrcu_report_qs_local(), after its nesting check: smp_mb(); s = gp_seq;
 * qs_seq = s. Interrupts are off, so it is one step; on TSO the MFENCE
 * is "wait until the store buffer is empty" (the load and the buffered
 * store that follow commute with everything else while it is empty).
 */
inline report(c) {
#ifndef MUTANT_NO_MB
	d_step { sbn[c] == 0 -> st(c, V_QS, gp_seq) }
#else
	d_step { sbn[c] < SB -> st(c, V_QS, gp_seq) }
#endif
}

/*
 * pvrcu_read_lock(): nesting++ (plain RMW of the own record).
 * G is the guard that keeps task context off the CPU while it takes an
 * interrupt. The store is buffered: others cannot see it yet.
 */
inline rd_lock(c, G, t) {
	d_step { G && sbn[c] < SB -> ld(c, V_NEST, t); st(c, V_NEST, t + 1); t = 0 }
}

/*
 * pvrcu_read_unlock(): nesting-- (plain store); if the new nesting is 0
 * and need_qs > qs_seq (plain loads; need_qs is host-written), report.
 * The store only enters the buffer, so it commutes with the loads that
 * follow it and they share one step.
 */
inline rd_unlock(c, G, t, q) {
	d_step {
		G && sbn[c] < SB ->
		ld(c, V_NEST, t); t = t - 1; st(c, V_NEST, t);
		if
		:: t == 0 -> ld(c, V_QS, q); t = (need_qs[c] > q)
		:: else -> t = 0
		fi;
		q = 0
	}
	if
	:: t -> t = 0; report(c)
	:: else
	fi
}

/* One reader section. The pointer is loaded after nesting++ in program
 * order; each use of the element loads it again. */
inline section(c, G, t, q, e) {
	rd_lock(c, G, t);
	d_step { G -> e = ptr };			/* rcu_dereference(gp) */
#if TASK_NEST > 1
	if
	:: G -> rd_lock(c, G, t);		/* nested section */
		d_step { G -> assert(!freed[e]) };
		rd_unlock(c, G, t, q)
	:: G -> skip
	fi;
#endif
	d_step { G -> assert(!freed[e]) };	/* use *p */
	rd_unlock(c, G, t, q);
	e = 0
}

/* ---- guest CPU, task context ------------------------------------------ */
#define TASK (!in_irq[c])

proctype task(byte c)
{
	byte t, q, e, nr, nh;
end_idle:
	do
	:: nr < NREADS -> section(c, TASK, t, q, e); nr++
	:: nh < MAXHALT ->
		/* Idle, nesting == 0 in program order: HLT. A halt is a VM
		 * exit (buffer drained, counter moves); the vCPU then runs
		 * nothing until an interrupt (irq) or a timer wakes it. */
		d_step { TASK -> drain_all(c); exits[c]++; blocking[c] = 1; nh++ };
		d_step { TASK -> blocking[c] = 0 }
	od
}

/* ---- guest CPU, interrupt context ------------------------------------- */
#define IRQ (1)

proctype irq(byte c)
{
	byte t, q, e, ni;
end_irq:
	do
	:: d_step { irq_pending[c] -> in_irq[c] = 1; irq_pending[c] = 0;
		    blocking[c] = 0 };
		/* vrcu_handle_event -> vrcu_report_qs_local: if (nesting)
		 * return; -- the own nesting, forwarded from the buffer */
		d_step { ld(c, V_NEST, t); t = (t == 0) };
		if
		:: t -> t = 0; report(c)
		:: else
		fi;
		in_irq[c] = 0
	:: d_step { ni < NIRQREAD -> in_irq[c] = 1; blocking[c] = 0; ni++ };
		/* any interrupt handler using RCU: a (possibly nested)
		 * reader section; its outermost unlock may report */
		rd_lock(c, IRQ, t);
		d_step { e = ptr };
		d_step { assert(!freed[e]) };
		rd_unlock(c, IRQ, t, q);
		e = 0;
		in_irq[c] = 0
	od
}

/* ---- vCPU hardware: store-buffer drains and VM exits ------------------ */
proctype hw(byte c)
{
	byte nx;
end_hw:
	do
	:: d_step { sbn[c] > 0 -> drain1(c) }
	:: d_step { nx < MAXEXIT && !blocking[c] -> drain_all(c); exits[c]++; nx++ }
	od
}

/* ---- host: rcu-core domain.c driven by pvrcud ------------------------- */

/* gp_start, first half: d->gp_seq++, publish_seq (fenced) */
inline gp_start_publish() {
	hgp++;
#ifdef NEED_QS_FIRST
	/* domain.c today: need_qs = g for every CPU, then publish_seq */
	k_ = 0;
	do :: k_ < NCPU -> need_qs[k_] = hgp; k_++ :: else -> break od;
#endif
	gp_seq = hgp
}

/* gp_start, second half (also run by a restarted host for the GP it
 * found in progress): need_qs = g, exits snapshot after g is published,
 * every CPU non-quiescent again. */
inline gp_arm() {
	k_ = 0;
	do
	:: k_ < NCPU ->
		need_qs[k_] = hgp;
		hsnap[k_] = exits[k_];
		hqs[k_] = 0; hseen[k_] = 0; hnz[k_] = 0; hposted[k_] = 0;
		k_++
	:: else -> break
	od;
	hi = 0; hs = 0
}

/* One host step of the scan (rcuc_advance + cpu_quiescent + post). */
inline scan_step() {
	if
	:: hi == NCPU ->
		/* end of a round: all quiescent -> gp_end + publish_seq */
		k_ = 0;
		do
		:: k_ < NCPU && hqs[k_] -> k_++
		:: else -> break
		od;
		if
		:: k_ == NCPU ->
			hgp = END_OF(hgp); gp_seq = hgp; gp_completed = hgp;
			k_ = 0;
			do
			:: k_ < NCPU -> hqs[k_] = 0; hseen[k_] = 0; hnz[k_] = 0;
				hposted[k_] = 0; hsnap[k_] = 0; k_++
			:: else -> break
			od;
			hpc = H_IDLE
		:: else
		fi;
		hi = 0; hs = 0
	:: hi < NCPU && hqs[hi] -> hi++; hs = 0
	:: hi < NCPU && !hqs[hi] && hs == 0 ->
		/* source 1, cpu_quiescent(): q >= g && g >= q */
		if
		:: mem_qs[hi] >= hgp && hgp >= mem_qs[hi] -> hqs[hi] = 1
		:: else
		fi;
		hs = 1
	:: hi < NCPU && !hqs[hi] && hs == 1 ->
#ifndef MUTANT_NEST_BEFORE_EXIT
		/* sources 2 and 3, first half: exit counter moved since the
		 * snapshot, or blocking sampled now (after T0) */
		if
		:: exits[hi] != hsnap[hi] || blocking[hi] -> hseen[hi] = 1
		:: else
		fi;
#else
		hnz[hi] = (mem_nest[hi] == 0);
#endif
		hs = 2
	:: hi < NCPU && !hqs[hi] && hs == 2 ->
#if defined(MUTANT_NO_EXIT)
		/* weakened: nesting == 0 alone */
		if
		:: mem_nest[hi] == 0 -> hqs[hi] = 1
		:: else
		fi;
#elif defined(MUTANT_NEST_BEFORE_EXIT)
		if
		:: hnz[hi] && (exits[hi] != hsnap[hi] || blocking[hi]) -> hqs[hi] = 1
		:: else
		fi;
		hnz[hi] = 0;
#else
		/* ...second half: only then read nesting from memory */
		if
		:: hseen[hi] && mem_nest[hi] == 0 -> hqs[hi] = 1
		:: else
		fi;
#endif
		hs = 3
	:: hi < NCPU && hs == 3 ->
		/* post(): interrupt a laggard (DESIGN.md section 5) */
#ifndef MUTANT_NO_POST
		if
		:: !hqs[hi] && !hposted[hi] -> hposted[hi] = 1; irq_pending[hi] = 1
		:: else
		fi;
#endif
		hi++; hs = 0
	fi
}

/* The daemon dies and restarts: everything in h* is lost; the new host
 * reads header.gp_seq from guest memory. */
inline crash_restart() {
	k_ = 0;
	do
	:: k_ < NCPU -> hqs[k_] = 0; hseen[k_] = 0; hnz[k_] = 0; hposted[k_] = 0;
		hsnap[k_] = 0; k_++
	:: else -> break
	od;
	hi = 0; hs = 0;
	hgp = gp_seq;
	if
	:: ACTIVE(hgp) ->
#ifndef MUTANT_RESTART_TRUSTS_OLD
		hpc = H_START	/* restart GP s: every CPU must show a QS anew */
#else
		/* weakened: the GP in flight is taken as done */
		hgp = END_OF(hgp); gp_seq = hgp; gp_completed = hgp;
		hpc = H_IDLE
#endif
	:: else -> hpc = H_IDLE
	fi
}

proctype host()
{
end_host:
	do
	:: d_step { hpc == H_IDLE && !ACTIVE(hgp) && hgp < want ->
		    gp_start_publish(); hpc = H_START }
	:: d_step { hpc == H_START -> gp_arm(); hpc = H_SCAN }
	:: d_step { hpc == H_SCAN -> scan_step() }
	:: d_step { ncrash < NRESTART && ACTIVE(gp_seq) -> ncrash++; crash_restart() }
	od
}

/* ---- updater: unpublish, request a GP, free after it ------------------ */
byte ck[NUPD];

proctype updater()
{
	byte u;
	do
	:: u < NUPD ->
		/* rcu_assign_pointer(gp, new); rcuc_gp_request() */
		d_step { ptr = u + 1; ck[u] = SEQ_SNAP(hgp);
			 if :: want < ck[u] -> want = ck[u] :: else fi };
		u++
	:: else -> break
	od;
	u = 0;
	do
	:: u < NUPD -> gp_completed >= ck[u]; freed[u] = 1; u++
	:: else -> break
	od
}

#ifdef LIVE
ltl live { [] ((gp_completed < want) -> <> (gp_completed >= want)) }
#endif

init
{
	byte c;
	atomic {
		do
		:: c < NCPU -> run task(c); run irq(c); run hw(c); c++
		:: else -> break
		od;
		run host();
		run updater()
	}
}
