/*
 * qs.pml - the pvrcu guest/host quiescent-state protocol for counted
 * readers (every reader counted in the record's nesting, preemption
 * disabled: the userspace readers and the tiny-VM guest). The Linux
 * driver's readers, which nesting does not show, are implicit.pml's.
 * See README.md in this directory.
 *
 * Processes, and the code each one stands for:
 *   task(c)   guest CPU c in task context: reader sections (nested), the
 *             outermost-unlock report (interrupts off), HLT when idle.
 *             virtio-rcu/include/pvrcu_reader.h: pvrcu_rd_lock(),
 *             pvrcu_rd_unlock(), pvrcu_rd_qs_needed(), pvrcu_rd_report().
 *   irq(c)    guest CPU c in interrupt context: the host's post
 *             (pvrcu_rd_report_if_idle: tests/torture/torture.c and
 *             bench/pv_sys.c call it for their simulated posts) and any
 *             other interrupt that runs a reader section.
 *   hw(c)     the vCPU's hardware: store-buffer drains, VM exits (KVM's
 *             `exits' statistic; an exit drains the buffer first).
 *   host      pvrcud driving rcu-core/src/domain.c: gp_start/publish_seq,
 *             rcuc_vcpu_sample (exits snapshot, exit_seen, out_seen),
 *             rcuc_advance -> cpu_quiescent (sources 1, 2, 3), post() and
 *             its repost, gp_end, and the restart (rcuc_attach with
 *             RCUC_ATTACH_RESUME).
 *   updater   rcu_assign_pointer + rcuc_gp_request + free after the GP.
 *
 * Memory model (default): every guest CPU is x86-TSO. Plain stores go
 * into a FIFO store buffer (sbe/sbn); loads of the CPU's own record
 * forward from it (ld); hw(c) drains the oldest entry at any time;
 * smp_mb() (MFENCE) waits until the buffer is empty; a VM exit drains it
 * before the exit counter moves. Every other load reads memory when it
 * executes, in program order (TSO keeps load->load and load->store).
 * The host and the updater are sequentially consistent agents that read
 * and write guest memory directly (domain.c fences around each publish).
 *
 * -DWEAK: a weakly ordered guest (ARM-like, approximated): in addition, a
 * use of the element (a load) may stay outstanding past later stores
 * (pend[c], performed by hw(c) at any time, forced by smp_mb(), a VM exit
 * and a release store), and a plain store may become visible before an
 * older store to another field, or before an older release store. The
 * unlock is then smp_store_release() as DESIGN.md section 4 asks.
 *
 * Safety: no reader uses an element freed after a GP that began after the
 * element was unpublished: assert(!freed[e]) at each use.
 * Liveness (-DLIVE): under weak fairness every requested GP completes.
 *
 * Mutants: each weakens one rule; run_spin.sh expects a violation
 *   -DMUTANT_NO_EXIT             host takes nesting == 0 without having
 *                                seen the exit counter move or the vCPU
 *                                blocked after T0 (sources 2 and 3)
 *   -DMUTANT_NEST_BEFORE_EXIT    nesting read first, exit/blocking after
 *   -DMUTANT_RESTART_TRUSTS_OLD  a restarted host ends the GP it finds in
 *                                progress at once
 *   -DMUTANT_NO_MB               report without smp_mb(): a violation only
 *                                with -DWEAK; on TSO none (see README)
 *   -DMUTANT_NO_RELEASE          (-DWEAK) unlock is a plain store
 *   -DMUTANT_NO_POST             (liveness) the host never posts
 *   -DMUTANT_IRQ_ON_REPORT       (liveness, with -DNPOST=1 -DNUPD=2) the
 *                                unlock report runs with interrupts on, as
 *                                before commit de26217: a post taken between
 *                                its gp_seq load and its qs_seq store is
 *                                overwritten by the older value, and with
 *                                no repost the GP never ends
 * Variant of the correct protocol:
 *   -DNEED_QS_FIRST              need_qs written before gp_seq is published
 *                                (domain.c's first version; now after)
 *
 * Replay a counterexample with `spin -t qs.pml` (same -D flags): the
 * printf lines tell the story.
 */

/* ---- bounds (run_spin.sh --deep raises them) -------------------------- */
#ifndef NCPU
#define NCPU      2	/* guest CPUs (1..3) */
#endif
#ifndef NREADS
#define NREADS    1	/* task-context reader sections on CPU 0 */
#endif
#ifndef TASK_NEST
#define TASK_NEST 2	/* a task section may nest this deep (1 or 2) */
#endif
#ifndef NIRQREAD
#define NIRQREAD  1	/* interrupt-context reader sections on CPU 0 */
#endif
#ifndef MAXEXIT
#define MAXEXIT   1	/* spontaneous VM exits of CPU 0 */
#endif
#ifndef MAXHALT
#define MAXHALT   1	/* HLTs of CPU 0 */
#endif
/* CPUs 1.. get these; the default keeps them idle (they answer posts and
 * report, nothing else) so that two CPUs fit the make-check budget. */
#ifndef NREADS1
#define NREADS1    0
#endif
#ifndef TASK_NEST1
#define TASK_NEST1 1
#endif
#ifndef NIRQREAD1
#define NIRQREAD1  0
#endif
#ifndef MAXEXIT1
#define MAXEXIT1   0
#endif
#ifndef MAXHALT1
#define MAXHALT1   0
#endif
#ifndef NUPD
#define NUPD      1	/* elements unpublished, each waits for its GP */
#endif
#ifndef NRESTART
#define NRESTART  1	/* host daemon crashes (state lost mid-GP) */
#endif
/* Posts per CPU per GP: the post, and a repost (domain.c reposts after
 * repost_ns) where one could matter: a CPU with task readers, more than
 * one GP (see report_task; the current code needs none, NPOST=1 checks
 * that). */
#ifndef NPOST
#define NPOST_OF(c) ((B(c, NREADS) > 0 && NUPD > 1) -> 2 : 1)
#else
#define NPOST_OF(c) (NPOST)
#endif
#ifndef SB
#define SB        2	/* store-buffer entries per CPU (1..3) */
#endif

#define B(c, X) ((c) == 0 -> X : X##1)

/* ---- gp_seq: Linux-style, low two bits are the phase ------------------ */
#define ACTIVE(s)   (((s) & 3) != 0)
#define SEQ_SNAP(s) ((((s) + 7) / 4) * 4)	/* rcuc_seq_snap() */
#define END_OF(s)   (((s) | 3) + 1)		/* gp_end() */

/* ---- shared memory (virtio_rcu.h struct virtio_rcu_shm_*) ------------- */
byte gp_seq;			/* header.gp_seq        host writes */
byte gp_completed;		/* header.gp_completed  host writes */
byte need_qs[NCPU];		/* cpu[i].need_qs       host writes */
byte mem_nest[NCPU];		/* cpu[i].nesting       guest (via SB) */
byte mem_qs[NCPU];		/* cpu[i].qs_seq        guest (via SB) */

/* ---- per-vCPU hardware state ------------------------------------------ */
#define V_NEST 0
#define V_QS   1
byte sbe[NCPU * SB];		/* store buffer: value*4 + release*2 + var */
byte sbn[NCPU];			/* entries in use, oldest at index 0 */
bit  irqoff[NCPU];		/* task context runs with interrupts off */
bit  rwin[NCPU];		/* MUTANT_IRQ_ON_REPORT: between an unlock
				 * report's gp_seq load and qs_seq store */
byte exits[NCPU];		/* KVM stat `exits' (cumulative) */
bit  blocking[NCPU];		/* KVM stat `blocking' (1 while halted) */
bit  in_irq[NCPU];		/* the CPU runs an interrupt handler */
bit  irq_pending[NCPU];		/* a post not yet taken (event queue) */
#ifdef WEAK
byte pend[NCPU];		/* outstanding element load: e + 1 */
#define PEND0(c) (pend[c] == 0)
#else
#define PEND0(c) (1)
#endif

/* ---- the RCU-protected data ------------------------------------------- */
byte ptr;			/* the pointer readers dereference */
bit  freed[NUPD + 1];		/* element e poisoned by the updater */
byte want;			/* highest cookie asked for (d->want) */
byte ck[NUPD];			/* the updater's cookies */

/* ---- host private state (rcuc_domain): all of it lost on a crash ------ */
#define H_IDLE  0
#define H_START 1		/* g published; need_qs + snapshot next */
#define H_SCAN  2
byte hpc;
byte hgp;			/* d->gp_seq */
bit  hqs[NCPU];			/* d->cpu[i].qs */
bit  hseen[NCPU];		/* exit moved / blocking seen after T0 */
bit  hnz[NCPU];			/* MUTANT_NEST_BEFORE_EXIT: nesting read 0 */
byte hposts[NCPU];		/* posts to this CPU in this GP (post()) */
byte hsnap[NCPU];		/* exits snapshot, taken after publishing g */
byte ncrash;

hidden byte k_;			/* scratch inside d_steps */
hidden byte s_;

/* ---- store buffer ----------------------------------------------------- */
#define E_VAR(x) ((x) & 1)
#define E_REL(x) (((x) / 2) & 1)
#define E_VAL(x) ((x) / 4)
#define SBE(c, i) sbe[(c) * SB + (i)]

#ifdef WEAK
#ifndef MUTANT_NO_RELEASE
#define UNLOCK_REL 1		/* smp_store_release(&nesting, n - 1) */
#else
#define UNLOCK_REL 0
#endif
#else
#define UNLOCK_REL 0		/* TSO: every store is a release anyway */
#endif

/* a store by CPU c enters its buffer (the caller checked for room) */
inline st(c, var, v, rel) {
	SBE(c, sbn[c]) = (v) * 4 + (rel) * 2 + var;
	sbn[c]++
}

/* a load of CPU c's own record: newest buffered value, else memory */
inline ld(c, var, r) {
	if
	:: var == V_NEST -> r = mem_nest[c]
	:: else -> r = mem_qs[c]
	fi;
	k_ = 0;
	do
	:: k_ < sbn[c] ->
		if
		:: E_VAR(SBE(c, k_)) == var -> r = E_VAL(SBE(c, k_))
		:: else
		fi;
		k_++
	:: else -> break
	od
}

/* entry i of CPU c reaches memory */
inline drain_at(c, i) {
	s_ = SBE(c, i);
	if
	:: E_VAR(s_) == V_NEST -> mem_nest[c] = E_VAL(s_);
		printf("cpu%d: store visible: nesting=%d\n", c, E_VAL(s_))
	:: else -> mem_qs[c] = E_VAL(s_);
		printf("cpu%d: store visible: qs_seq=%d\n", c, E_VAL(s_))
	fi;
	k_ = i + 1;
	do
	:: k_ < sbn[c] -> SBE(c, k_ - 1) = SBE(c, k_); k_++
	:: else -> break
	od;
	sbn[c]--;
	SBE(c, sbn[c]) = 0
}

/* may entry i drain now? TSO: only the oldest. WEAK: any entry with no
 * older store to the same field; a release entry only when it is the
 * oldest and no element load is outstanding. */
#ifndef WEAK
#define CAN_DRAIN(c, i) ((i) == 0 && sbn[c] > 0)
#else
#define OLDER_SAME(c, i) \
	(((i) >= 1 && E_VAR(SBE(c, 0)) == E_VAR(SBE(c, i))) || \
	 ((i) >= 2 && E_VAR(SBE(c, 1)) == E_VAR(SBE(c, i))))
#define CAN_DRAIN(c, i) \
	((i) < sbn[c] && !OLDER_SAME(c, i) && \
	 (!E_REL(SBE(c, i)) || ((i) == 0 && PEND0(c))))
#endif

/* full barrier effect of a VM exit: everything outstanding completes */
inline drain_all(c) {
#ifdef WEAK
	if
	:: pend[c] -> assert(!freed[pend[c] - 1]); pend[c] = 0
	:: else
	fi;
#endif
	do
	:: sbn[c] > 0 -> drain_at(c, 0)
	:: else -> break
	od
}

/*
 * pvrcu_rd_report() (virtio-rcu/include/pvrcu_reader.h): smp_mb();
 * s = gp_seq; qs_seq = s.
 * From an interrupt handler (pvrcu_report_qs_local ->
 * pvrcu_rd_report_if_idle, interrupts off) it is one step: the MFENCE is
 * "wait until nothing is outstanding"; the load and the buffered store
 * after it commute with every other agent while the buffer is empty.
 */
inline report(c, G) {
#ifndef MUTANT_NO_MB
	d_step { G && sbn[c] == 0 && PEND0(c) -> st(c, V_QS, gp_seq, 0);
		 printf("cpu%d: report: smp_mb, read gp_seq=%d, qs_seq:=%d (buffered)\n",
			c, gp_seq, gp_seq) }
#else
	d_step { G && sbn[c] < SB -> st(c, V_QS, gp_seq, 0);
		 printf("cpu%d: report (no smp_mb): read gp_seq=%d, qs_seq:=%d (buffered)\n",
			c, gp_seq, gp_seq) }
#endif
}

/*
 * From the outermost unlock (pvrcu_rd_unlock, after nesting-- reached 0
 * and pvrcu_rd_qs_needed() said yes; interrupts on up to here, so a post
 * or an interrupt reader may run first):
 *   local_irq_save(); if (nesting == 0 && qs_needed) pvrcu_rd_report();
 *   local_irq_restore();
 * Step 1: interrupts off and the re-check (loads of the own record:
 * nesting is 0 here, every interrupt reader having ended; need_qs is
 * host-written). If the re-check fails (an interrupt reported meanwhile)
 * nothing else happens before the restore. Step 2: smp_mb(), then the
 * gp_seq load; step 3: the buffered qs_seq store and the restore (the
 * store commutes with every other agent, so they share a step). irq(c)
 * cannot run from step 1 to step 3 (irqoff); the host and hw(c) can. s
 * holds the loaded value + 1 between steps 2 and 3; q is scratch.
 *
 * -DMUTANT_IRQ_ON_REPORT: the code before commit de26217, no re-check,
 * interrupts on: an interrupt (a post that reports too, a reader) may
 * come between the gp_seq load and the qs_seq store (rwin).
 */
#ifndef MUTANT_IRQ_ON_REPORT
inline report_task(c, G, s, q) {
	d_step { G -> ld(c, V_QS, q);
		 if
		 :: need_qs[c] > q -> irqoff[c] = 1
		 :: else -> s = 0;
			printf("cpu%d: unlock: interrupts off, re-check: reported meanwhile\n", c)
		 fi;
		 q = 0 };
	if
	:: s ->
#ifndef MUTANT_NO_MB
		d_step { G && sbn[c] == 0 && PEND0(c) -> s = gp_seq + 1;
			 printf("cpu%d: unlock report (interrupts off): smp_mb, read gp_seq=%d\n",
				c, gp_seq) };
#else
		d_step { G -> s = gp_seq + 1;
			 printf("cpu%d: unlock report (interrupts off, no smp_mb): read gp_seq=%d\n",
				c, gp_seq) };
#endif
		d_step { G && sbn[c] < SB -> st(c, V_QS, s - 1, 0);
			 printf("cpu%d: unlock report: qs_seq:=%d (buffered), interrupts on\n",
				c, s - 1);
			 s = 0; irqoff[c] = 0 }
	:: else
	fi
}
#else
inline report_task(c, G, s, q) {
#ifndef MUTANT_NO_MB
	d_step { G && sbn[c] == 0 && PEND0(c) -> s = gp_seq + 1; rwin[c] = 1;
		 printf("cpu%d: unlock report: smp_mb, read gp_seq=%d\n", c, gp_seq) };
#else
	d_step { G -> s = gp_seq + 1; rwin[c] = 1;
		 printf("cpu%d: unlock report (no smp_mb): read gp_seq=%d\n", c, gp_seq) };
#endif
	d_step { G && sbn[c] < SB -> st(c, V_QS, s - 1, 0);
		 printf("cpu%d: unlock report: qs_seq:=%d (buffered)\n", c, s - 1);
		 s = 0; rwin[c] = 0 }
}
#endif

/*
 * pvrcu_rd_lock(): nesting++, a plain read-modify-write of the own
 * record (forwarded load, buffered store). G keeps task context off the
 * CPU while it runs an interrupt handler.
 */
inline rd_lock(c, G, t) {
	d_step { G && sbn[c] < SB -> ld(c, V_NEST, t); st(c, V_NEST, t + 1, 0);
		 printf("cpu%d: read_lock: nesting:=%d (buffered)\n", c, t + 1);
		 t = 0 }
}

/*
 * pvrcu_rd_unlock(): nesting-- (a plain store in the code; under WEAK the
 * model makes it smp_store_release() as DESIGN.md section 4 asks); if
 * the new nesting is 0 and need_qs > qs_seq (pvrcu_rd_qs_needed: plain
 * loads of the own record; need_qs is host-written), report. The store only enters the
 * buffer, so it commutes with the loads after it: one step.
 */
#define CTX_TASK 0
#define CTX_IRQ  1

inline rd_unlock(c, G, t, q, ctx) {
	d_step {
		G && sbn[c] < SB ->
		ld(c, V_NEST, t); t = t - 1; st(c, V_NEST, t, UNLOCK_REL);
		printf("cpu%d: read_unlock: nesting:=%d (buffered)\n", c, t);
		if
		:: t == 0 -> ld(c, V_QS, q); t = (need_qs[c] > q)
		:: else -> t = 0
		fi;
		q = 0
	}
	if
	:: t && ctx == CTX_TASK -> report_task(c, G, t, q)
	:: t && ctx == CTX_IRQ -> t = 0; report(c, G)
	:: else
	fi
}

/* one use of the element: a load of *p, checked against the poison */
inline use(c, G, e) {
#ifdef WEAK
	if
	:: d_step { G && pend[c] == 0 -> pend[c] = e + 1;
		    printf("cpu%d: use e%d: load left outstanding\n", c, e) }
	:: d_step { G -> printf("cpu%d: use e%d\n", c, e); assert(!freed[e]) }
	fi
#else
	d_step { G -> printf("cpu%d: use e%d\n", c, e); assert(!freed[e]) }
#endif
}

/* a reader section: p loaded after nesting++ in program order, used,
 * possibly across a nested section, used again, unlocked */
inline section(c, G, t, q, e) {
	rd_lock(c, G, t);
	d_step { G -> e = ptr; printf("cpu%d: p = e%d\n", c, e) };
	if
	:: G && B(c, TASK_NEST) > 1 ->
		rd_lock(c, G, t);
		use(c, G, e);
		rd_unlock(c, G, t, q, CTX_TASK)
	:: G -> skip
	fi;
	use(c, G, e);
	rd_unlock(c, G, t, q, CTX_TASK);
	e = 0
}

/* ---- guest CPU, task context ------------------------------------------ */
#define TASK (!in_irq[c])

proctype task(byte c)
{
	byte t, q, e, nr, nh;
end_idle:
	do
	:: nr < B(c, NREADS) -> section(c, TASK, t, q, e); nr++
	:: nh < B(c, MAXHALT) ->
		/* idle (nesting == 0 in program order): HLT. A halt is a VM
		 * exit (everything drained, the counter moves); the vCPU runs
		 * nothing until an interrupt (irq) or a timer wakes it. */
		d_step { TASK -> drain_all(c); exits[c]++; blocking[c] = 1; nh++;
			 printf("cpu%d: HLT (exit, exits=%d, blocking)\n", c, exits[c]) };
		d_step { TASK -> blocking[c] = 0 }
	od
}

/* ---- guest CPU, interrupt context ------------------------------------- */
#define IRQ (1)
/* an interrupt is taken only while task context has interrupts on */
#define IRQ_ON(c) (!irqoff[c])

proctype irq(byte c)
{
	byte t, q, e, ni;
end_irq:
	do
	:: d_step { irq_pending[c] && IRQ_ON(c) -> in_irq[c] = 1; irq_pending[c] = 0;
		    blocking[c] = 0;
		    /* vrcu_handle_event -> vrcu_report_qs_local():
		     * if (READ_ONCE(rec->nesting)) return; -- own record */
		    ld(c, V_NEST, t);
		    printf("cpu%d: post taken, nesting=%d\n", c, t);
		    t = (t == 0) };
		if
		:: t -> t = 0; report(c, IRQ)
		:: else
		fi;
		in_irq[c] = 0
	:: d_step { ni < B(c, NIRQREAD) && IRQ_ON(c) -> in_irq[c] = 1; blocking[c] = 0; ni++;
		    printf("cpu%d: interrupt with a reader\n", c) };
		rd_lock(c, IRQ, t);
		d_step { e = ptr; printf("cpu%d: p = e%d\n", c, e) };
		use(c, IRQ, e);
		rd_unlock(c, IRQ, t, q, CTX_IRQ);
		e = 0;
		in_irq[c] = 0
	od
}

/* ---- vCPU hardware: drains, outstanding loads, VM exits --------------- */
proctype hw(byte c)
{
	byte nx;
end_hw:
	do
	:: d_step { CAN_DRAIN(c, 0) -> drain_at(c, 0) }
#ifdef WEAK
	:: d_step { CAN_DRAIN(c, 1) -> drain_at(c, 1) }
#if SB > 2
	:: d_step { CAN_DRAIN(c, 2) -> drain_at(c, 2) }
#endif
	:: d_step { pend[c] -> printf("cpu%d: outstanding load of e%d performed\n",
				      c, pend[c] - 1);
		    assert(!freed[pend[c] - 1]); pend[c] = 0 }
#endif
	:: d_step { nx < B(c, MAXEXIT) && !blocking[c] ->
		    drain_all(c); exits[c]++; nx++;
		    printf("cpu%d: VM exit (exits=%d)\n", c, exits[c]) }
	od
}

/* ---- host: pvrcud + rcu-core/src/domain.c ----------------------------- */

/* gp_start(), first half: d->gp_seq++; publish_seq() (fenced) */
inline gp_start_publish() {
	hgp++;
#ifdef NEED_QS_FIRST
	/* domain.c's first version: need_qs = g, then publish_seq() */
	k_ = 0;
	do :: k_ < NCPU -> need_qs[k_] = hgp; k_++ :: else -> break od;
#endif
	gp_seq = hgp;
	printf("host: GP %d published (T0)\n", hgp)
}

/* gp_start(), second half, also the restarted host's re-arm of the GP it
 * found in progress (rcuc_attach, RESUME): need_qs = g; every CPU
 * non-quiescent (again); the exits snapshot after g is published
 * (domain.c: the first rcuc_vcpu_sample() after the start). */
inline gp_arm() {
	k_ = 0;
	do
	:: k_ < NCPU ->
		need_qs[k_] = hgp;
		hsnap[k_] = exits[k_];
		hqs[k_] = 0; hseen[k_] = 0; hnz[k_] = 0; hposts[k_] = 0;
		k_++
	:: else -> break
	od;
	printf("host: need_qs=%d set, exits snapshot taken\n", hgp)
}

inline host_forget() {
	k_ = 0;
	do
	:: k_ < NCPU -> hqs[k_] = 0; hseen[k_] = 0; hnz[k_] = 0;
		hposts[k_] = 0; hsnap[k_] = 0; k_++
	:: else -> break
	od
}

/* gp_end(): publish the end value; the host forgets the per-CPU state */
inline gp_end() {
	hgp = END_OF(hgp); gp_seq = hgp; gp_completed = hgp;
	host_forget();
	hpc = H_IDLE;
	printf("host: GP ends, gp_seq=gp_completed=%d\n", hgp)
}

/* the daemon dies and restarts: rcuc_domain is lost, the new one reads
 * header.gp_seq back from guest memory (rcuc_attach, RESUME) */
inline crash_restart() {
	host_forget();
	hgp = gp_seq;
	printf("host: CRASH; restarted host reads gp_seq=%d\n", hgp);
	if
	:: ACTIVE(hgp) ->
#ifndef MUTANT_RESTART_TRUSTS_OLD
		hpc = H_START	/* GP s again: every CPU shows a QS anew */
#else
		/* weakened: the GP in flight is taken as done */
		hgp = END_OF(hgp); gp_seq = hgp; gp_completed = hgp;
		hpc = H_IDLE;
		printf("host: (trusts old state) GP ends, gp_seq=%d\n", hgp)
#endif
	:: else -> hpc = H_IDLE
	fi
}

/*
 * The scan: rcuc_advance -> cpu_quiescent, post. The real host polls in
 * rounds; a read that changes nothing leaves no trace, so each kind of
 * read is one step enabled exactly when it would change the host's state,
 * for any CPU, in any order, at any time: a superset of every polling
 * schedule. The one order kept is the rule's: for sources 2 and 3 the
 * exit/blocking observation (hseen) strictly before the nesting read.
 */
#define REPORTED(c) \
	:: d_step { hpc == H_SCAN && !hqs[c] && \
		    mem_qs[c] >= hgp && hgp >= mem_qs[c] -> hqs[c] = 1; \
		    printf("host: cpu%d quiescent: qs_seq=%d (source 1)\n", c, mem_qs[c]) }

#ifndef MUTANT_NEST_BEFORE_EXIT
#define EXITSEEN(c) \
	:: d_step { hpc == H_SCAN && !hqs[c] && !hseen[c] && \
		    (exits[c] != hsnap[c] || blocking[c]) -> hseen[c] = 1; \
		    printf("host: cpu%d exits %d (snapshot %d), blocking %d\n", \
			   c, exits[c], hsnap[c], blocking[c]) }
#ifndef MUTANT_NO_EXIT
#define NESTZERO(c) \
	:: d_step { hpc == H_SCAN && !hqs[c] && hseen[c] && \
		    mem_nest[c] == 0 -> hqs[c] = 1; \
		    printf("host: cpu%d quiescent: nesting=0 after exit/blocking (2/3)\n", c) }
#else
#define NESTZERO(c) \
	:: d_step { hpc == H_SCAN && !hqs[c] && mem_nest[c] == 0 -> hqs[c] = 1; \
		    printf("host: cpu%d quiescent: nesting=0, no exit seen (mutant)\n", c) }
#endif
#else
#define EXITSEEN(c) \
	:: d_step { hpc == H_SCAN && !hqs[c] && hnz[c] != (mem_nest[c] == 0) -> \
		    hnz[c] = (mem_nest[c] == 0); \
		    printf("host: cpu%d nesting read: %d\n", c, mem_nest[c]) }
#define NESTZERO(c) \
	:: d_step { hpc == H_SCAN && !hqs[c] && hnz[c] && \
		    (exits[c] != hsnap[c] || blocking[c]) -> hqs[c] = 1; \
		    printf("host: cpu%d quiescent: exit seen after nesting=0 (mutant)\n", c) }
#endif

/*
 * post(): rcuc_advance() posts the CPUs it has just found not quiescent,
 * so a post is enabled only when no scan step for that CPU is. A post goes
 * at any time; the vCPU takes it when its interrupts are on (irq(c)).
 * Under MUTANT_IRQ_ON_REPORT a repost (repost_ns = 100 ms later) is taken
 * to fall outside the few instructions between an unlock report's gp_seq
 * load and its qs_seq store (rwin; always 0 otherwise).
 */
#define SCAN_ENABLED(c) \
	((mem_qs[c] >= hgp && hgp >= mem_qs[c]) || \
	 (!hseen[c] && (exits[c] != hsnap[c] || blocking[c])) || \
	 (hseen[c] && mem_nest[c] == 0))
#ifndef MUTANT_NO_POST
#define POST(c) \
	:: d_step { hpc == H_SCAN && !hqs[c] && !irq_pending[c] && \
		    hposts[c] < NPOST_OF(c) && (hposts[c] == 0 || !rwin[c]) && \
		    !SCAN_ENABLED(c) -> hposts[c]++; irq_pending[c] = 1; \
		    printf("host: post to cpu%d\n", c) }
#else
#define POST(c)
#endif

#define SCAN(c) REPORTED(c) EXITSEEN(c) NESTZERO(c) POST(c)

#define ALL_QS (hqs[0] && (NCPU < 2 || hqs[1 % NCPU]) && \
		(NCPU < 3 || hqs[2 % NCPU]))

proctype host()
{
end_host:
	do
	:: d_step { hpc == H_IDLE && !ACTIVE(hgp) && hgp < want ->
		    gp_start_publish(); hpc = H_START }
	:: d_step { hpc == H_START -> gp_arm(); hpc = H_SCAN }
	SCAN(0)
#if NCPU > 1
	SCAN(1)
#endif
#if NCPU > 2
	SCAN(2)
#endif
	:: d_step { hpc == H_SCAN && ALL_QS -> gp_end() }
	:: d_step { ncrash < NRESTART && ACTIVE(gp_seq) -> ncrash++; crash_restart() }
	od
}

/* ---- updater: unpublish, request a GP (call_rcu style), free after ---- */
proctype updater()
{
	byte u;
	do
	:: u < NUPD ->
		/* rcu_assign_pointer(gp, e(u+1)); rcuc_gp_request() */
		d_step { ptr = u + 1; ck[u] = SEQ_SNAP(hgp);
			 if :: want < ck[u] -> want = ck[u] :: else fi;
			 printf("updater: p := e%d; GP requested, cookie %d\n",
				u + 1, ck[u]) };
		u++
	:: else -> break
	od;
	u = 0;
	do
	:: u < NUPD ->
		gp_completed >= ck[u];
		d_step { freed[u] = 1; printf("updater: e%d freed (poisoned)\n", u) };
		u++
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
