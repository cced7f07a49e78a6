/*
 * implicit.pml - which guest contexts are readers, and which quiescent-
 * state sources may end a grace period (GP) for a Linux guest CPU
 * (checklist item 7; docs/ARCHITECTURE.md §4.2). See README.md here.
 *
 * A Linux CPU is a reader wherever it has preemption, bottom halves or
 * interrupts disabled, or runs a handler: pvrcu_read_lock() (which is
 * preempt_disable()), spin_lock() and preempt_disable(), local_bh_disable()
 * and spin_lock_bh(), local_irq_disable(), softirq and hardirq handlers.
 * Only some of them show in memory (the preempt count does not show an
 * interrupt-disabled region), and none of them in the record's `nesting`.
 *
 * Processes, and the code each one stands for:
 *   task      guest CPU 0 outside interrupts: reader sections of each kind
 *             (picked nondeterministically), the idle loop (HLT), the
 *             per-CPU report work item. guest-driver/include/pvrcu.h
 *             (pvrcu_read_lock/unlock), guest-driver/core.c
 *             (pvrcu_read_unlock_report, pvrcu_qs_work_fn).
 *   irq       guest CPU 0 in hardirq context: the host's post
 *             (device.c vrcu_handle_event -> core.c pvrcu_report_qs_local,
 *             pvrcu_interrupted_quiescent) and an irq_work reader.
 *   hw        spontaneous VM exits of CPU 0 (KVM's `exits' statistic), and
 *             the end of a halt by a timer or a pv-lock kick.
 *   host      rcu-core/src/domain.c cpu_quiescent(): source 1 (the report,
 *             qs_seq), sources 2 and 3 (exit counter moved / halted seen
 *             after the GP started, then nesting == 0), post().
 *   updater   unpublish, request a GP, free the old element after it.
 *
 * Memory: sequentially consistent (the store-buffer argument for the report
 * barrier is qs.pml's; here the question is which contexts may report).
 * One reader CPU: every rule is per CPU.
 *
 * Preempt count units: 1 preempt_disable (PREEMPT_OFFSET), 2 bottom halves
 * disabled (SOFTIRQ_DISABLE_OFFSET), 4 serving a softirq (SOFTIRQ_OFFSET),
 * 8 in a hardirq (HARDIRQ_OFFSET); the idle task's loop runs at 1
 * (PREEMPT_DISABLED, init_idle_preempt_count()).
 *
 * Safety: assert(!freed[e]) at each use of an element in a reader.
 * Liveness (-DLIVE): under weak fairness every requested GP completes.
 *
 * Mutants (run_spin.sh expects a violation):
 *   -DMUTANT_NESTING_ONLY  the rule before this model: nesting counts
 *                          pvrcu readers only; the post handler reports
 *                          when nesting == 0; the outermost pvrcu unlock
 *                          reports; the host believes nesting == 0 after
 *                          an exit or a halt
 *   -DMUTANT_PC_EXIT       the host reads the preempt count instead: an
 *                          exit (or halt) seen, then count == 0, is taken
 *                          as quiescent (an interrupt-disabled region
 *                          shows nothing there)
 *   -DMUTANT_UNLOCK_ANY    the outermost pvrcu unlock reports whatever else
 *                          is disabled (a pvrcu section inside spin_lock())
 *   -DMUTANT_IDLE_ANY      the post handler reports whenever it interrupted
 *                          the idle task, whatever its count
 *   -DMUTANT_NO_WORK       (liveness) a post taken inside a reader queues
 *                          no work item: only a pvrcu unlock may report
 *                          later, and a spin_lock() holder has none
 *
 * Replay a counterexample with `spin -t implicit.pml` (same -D flags).
 */

#ifndef NREADS
#define NREADS  2	/* task-context reader sections */
#endif
#ifndef NIRQRD
#define NIRQRD  1	/* hardirq (irq_work) reader sections */
#endif
#ifndef MAXEXIT
#define MAXEXIT 1	/* spontaneous VM exits */
#endif
#ifndef MAXIDLE
#define MAXIDLE 1	/* visits of the idle loop */
#endif
#ifndef NPOST
#define NPOST   1	/* posts per GP */
#endif

#define ACTIVE(s)   (((s) & 3) != 0)
#define SEQ_SNAP(s) ((((s) + 7) / 4) * 4)
#define END_OF(s)   (((s) | 3) + 1)

#define PC_PREEMPT 1
#define PC_BH      2
#define PC_SOFTIRQ 4
#define PC_HARDIRQ 8

/* ---- shared memory (virtio_rcu.h) ------------------------------------ */
byte gp_seq;			/* header.gp_seq        host */
byte gp_completed;		/* header.gp_completed  host */
byte need_qs;			/* cpu.need_qs          host */
byte qs_seq;			/* cpu.qs_seq           guest */
#ifdef MUTANT_NESTING_ONLY
byte nest;			/* cpu.nesting: pvrcu sections only */
#else
byte nest = 1;			/* VIRTIO_RCU_NESTING_UNTRACKED, constant */
#endif

/* ---- guest CPU 0 ---------------------------------------------------- */
byte pc;			/* preempt_count() */
bit  irqoff;			/* interrupts disabled */
bit  idle;			/* the idle task runs its loop */
bit  in_irq;			/* a hardirq handler runs */
bit  halted;			/* HLT executed, not yet woken */
bit  work;			/* the report work item is queued */
bit  irq_pending;		/* a post not yet taken */
byte exits;			/* KVM `exits' (cumulative) */

/* ---- data --------------------------------------------------------------- */
byte ptr;			/* element readers pick up: 0, then 1 */
bit  freed[2];
byte want;

/* ---- host --------------------------------------------------------------- */
bit  hqs;			/* d->cpu[0].qs */
bit  hseen;			/* exit moved / halt seen after the GP began */
byte hsnap;			/* exits snapshot */
byte hposts;

#define QS_NEEDED (need_qs > qs_seq)

/* pvrcu_rd_report(): smp_mb(); qs_seq = gp_seq (interrupts off) */
#define R_UNLOCK 1
#define R_WORK   2
#define R_POST   3
inline report(who) {
	qs_seq = gp_seq;
	printf("cpu0: report by %d (1 unlock, 2 work item, 3 post handler), qs_seq=%d\n",
	       who, qs_seq)
}

inline use(e) {
	printf("cpu0: use e%d (pc=%d irqoff=%d)\n", e, pc, irqoff);
	assert(!freed[e])
}

#define T (!in_irq)		/* task context runs when no handler does */

/*
 * pvrcu_read_unlock() of the outermost section: the host waits, and this
 * section's preempt_disable() is all that is in effect (the rule), or
 * nesting reaches 0 (MUTANT_NESTING_ONLY), or always (MUTANT_UNLOCK_ANY).
 */
inline rcu_unlock() {
	d_step { T ->
#ifdef MUTANT_NESTING_ONLY
		nest--;
		if
		:: nest == 0 && QS_NEEDED -> report(R_UNLOCK)
		:: else
		fi;
#else
#ifdef MUTANT_UNLOCK_ANY
		if
		:: QS_NEEDED -> report(R_UNLOCK)
		:: else
		fi;
#else
		if
		:: QS_NEEDED && pc == PC_PREEMPT && !irqoff -> report(R_UNLOCK)
		:: else
		fi;
#endif
#endif
		pc = pc - PC_PREEMPT }
}

inline rcu_lock() {
	d_step { T -> pc = pc + PC_PREEMPT;
#ifdef MUTANT_NESTING_ONLY
		 nest++
#else
		 skip
#endif
	}
}

/* a region that adds @add to the count, or disables interrupts (add 0) */
inline region(add, e) {
	d_step { T -> if :: add -> pc = pc + add :: else -> irqoff = 1 fi;
		 e = ptr;
		 printf("cpu0: region (count +%d; +0: irqs off): p = e%d\n", add, e) };
	d_step { T -> use(e) };
	d_step { T -> if :: add -> pc = pc - add :: else -> irqoff = 0 fi; e = 0 }
}

proctype task()
{
	byte e, nr, ni;
	bit slept;		/* one HLT per idle visit (bounds exits) */
end_task:
	do
	/* pvrcu_read_lock() section (rcu_read_lock() once mapped) */
	:: nr < NREADS -> nr++;
		rcu_lock();
		d_step { T -> e = ptr; printf("cpu0: rcu_read_lock: p = e%d\n", e) };
		d_step { T -> use(e) };
		rcu_unlock(); e = 0
	/* preempt_disable() / spin_lock() holder; with a nested pvrcu
	 * section (a helper called under the lock), or a pv-spinlock halt
	 * (kvm_wait: HLT with preemption disabled) */
	:: nr < NREADS -> nr++;
		d_step { T -> pc = pc + PC_PREEMPT; e = ptr;
			 printf("cpu0: spin_lock: p = e%d\n", e) };
		if
		:: rcu_lock(); rcu_unlock()
		:: d_step { T && !halted -> halted = 1; exits++;
			    printf("cpu0: HLT inside spin_lock (pv lock wait)\n") };
			d_step { !halted -> skip }
		:: skip
		fi;
		d_step { T -> use(e) };
		d_step { T -> pc = pc - PC_PREEMPT; e = 0 }
	:: nr < NREADS -> nr++; region(PC_BH, e)	/* local_bh_disable() */
	:: nr < NREADS -> nr++; region(0, e)		/* local_irq_disable() */
	:: nr < NREADS -> nr++; region(PC_SOFTIRQ, e)	/* softirq: a timer */
	/* the idle loop: the idle task at its base count; readers may run
	 * in it (they add to the count); HLT only at the base, irqs on */
	:: d_step { T && ni < MAXIDLE && !idle && pc == 0 && !irqoff -> ni++;
		    idle = 1; pc = PC_PREEMPT; printf("cpu0: idle\n") }
	:: d_step { T && idle && pc == PC_PREEMPT && !irqoff && !halted &&
		    !slept -> halted = 1; slept = 1; exits++;
		    printf("cpu0: HLT (idle)\n") }
	:: d_step { T && idle && pc == PC_PREEMPT && !halted -> idle = 0; pc = 0;
		    printf("cpu0: leaves idle\n") }
	/* the report work item: a kworker, process context, nothing disabled */
	:: d_step { T && work && pc == 0 && !irqoff && !idle -> work = 0;
		    report(R_WORK) }
	od
}

proctype irq()
{
	byte e, nh;
end_irq:
	do
	/* the host's post: pvrcu_report_qs_local() */
	:: d_step { irq_pending && !irqoff && !in_irq -> in_irq = 1;
		    irq_pending = 0; halted = 0; pc = pc + PC_HARDIRQ;
		    printf("cpu0: post taken, pc=%d idle=%d nesting=%d\n", pc, idle, nest);
#ifdef MUTANT_NESTING_ONLY
		    if
		    :: nest == 0 -> report(R_POST)
		    :: else
		    fi;
#else
#ifdef MUTANT_IDLE_ANY
		    if
		    :: pc == PC_HARDIRQ || idle -> report(R_POST)
		    :: else -> work = 1
		    fi;
#else
		    if
		    :: pc == PC_HARDIRQ || (idle && pc == PC_HARDIRQ + PC_PREEMPT) ->
			report(R_POST)
		    :: else ->
#ifndef MUTANT_NO_WORK
			work = 1; printf("cpu0: inside a reader: work queued\n")
#else
			printf("cpu0: inside a reader: left to a later unlock\n")
#endif
		    fi;
#endif
#endif
		    pc = pc - PC_HARDIRQ; in_irq = 0 }
	/* an irq_work reader (hardirq) */
	:: d_step { nh < NIRQRD && !irqoff && !in_irq -> nh++; in_irq = 1;
		    halted = 0; pc = pc + PC_HARDIRQ; e = ptr;
		    printf("cpu0: irq_work: p = e%d\n", e) };
		d_step { use(e) };
		d_step { pc = pc - PC_HARDIRQ; in_irq = 0; e = 0 }
	od
}

proctype hw()
{
	byte nx;
end_hw:
	do
	:: d_step { nx < MAXEXIT && !halted -> nx++; exits++;
		    printf("cpu0: VM exit (exits=%d)\n", exits) }
	/* a halt also ends by a timer, or a pv-lock holder's kick */
	:: d_step { halted -> halted = 0 }
	od
}

/* the host's belief in "no reader" after an exit or halt */
#ifdef MUTANT_PC_EXIT
#define NO_READER (pc == 0)
#else
#define NO_READER (nest == 0)
#endif

proctype host()
{
end_host:
	do
	:: d_step { !ACTIVE(gp_seq) && gp_seq < want ->
		    gp_seq++; need_qs = gp_seq; hsnap = exits; hqs = 0;
		    hseen = 0; hposts = 0;
		    printf("host: GP %d starts\n", gp_seq) }
	:: d_step { ACTIVE(gp_seq) && !hqs && qs_seq == gp_seq -> hqs = 1;
		    printf("host: quiescent by report (source 1)\n") }
	:: d_step { ACTIVE(gp_seq) && !hqs && !hseen &&
		    (exits != hsnap || halted) -> hseen = 1;
		    printf("host: exit/halt seen\n") }
	:: d_step { ACTIVE(gp_seq) && !hqs && hseen && NO_READER -> hqs = 1;
		    printf("host: quiescent by exit/halt, then no reader shown (2/3)\n") }
	:: d_step { ACTIVE(gp_seq) && !hqs && !irq_pending && hposts < NPOST ->
		    hposts++; irq_pending = 1; printf("host: post\n") }
	:: d_step { ACTIVE(gp_seq) && hqs ->
		    gp_seq = END_OF(gp_seq); gp_completed = gp_seq;
		    printf("host: GP ends, gp_completed=%d\n", gp_completed) }
	od
}

proctype updater()
{
	d_step { ptr = 1; want = SEQ_SNAP(gp_seq);
		 printf("updater: p := e1, GP requested (cookie %d)\n", want) };
	gp_completed >= want;
	d_step { freed[0] = 1; printf("updater: e0 freed\n") }
}

#ifdef LIVE
ltl live { [] ((gp_completed < want) -> <> (gp_completed >= want)) }
#endif

init
{
	atomic { run task(); run irq(); run hw(); run host(); run updater() }
}
