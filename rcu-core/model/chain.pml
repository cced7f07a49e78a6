/*
 * chain.pml -- VIRTIO_RCU_F_CB_CHAIN (virtio-rcu/SPEC.md 1.6.7.1): a guest
 * CPU queues callbacks behind a GP in progress without a request, and the
 * host must still run every GP they need.
 *
 * Guest (guest-driver/callbacks.c pvrcu_call(), gp.c pvrcu_gp_chained()):
 *   cookie = snap(gp_seq) after smp_mb(); record.cb_next = cookie,
 *   record.backlog = n (plain stores, x86-TSO store buffer); smp_mb();
 *   g = gp_seq; no request if g is in progress and cookie <= snap(g),
 *   else a request (a virtqueue kick: the host takes it some time later).
 * Host (rcu-core/src/domain.c rcuc_advance()): sequentially consistent;
 *   reads the records on any advance while a GP runs (callback_demand()),
 *   ends a GP whenever it likes (readers are not the point here: qs.pml),
 *   and after publishing the end (publish_seq(): fence, store, fence)
 *   reads the records again before it may go idle.
 *
 * The guest's list also caches the newest cookie chained (no handshake
 * for it again) and, when every queued callback's GP is done, runs them
 * and publishes backlog 0.
 *
 * Checked: once nothing can move any more (timeout), every cookie the
 * guest took is done. Mutants: MUTANT_CHAIN_NO_MB (the guest's barrier
 * between its record and the gp_seq load is gone), MUTANT_CHAIN_NO_REREAD
 * (the host does not read the records after a GP's end) and
 * MUTANT_CHAIN_UNCOVER (the record stops covering callbacks whose GP is
 * not done, with the cache still trusting the promise) must each strand
 * a cookie.
 */

#ifndef NCB
#define NCB	3		/* callbacks the guest queues */
#endif
#define SB	2		/* store buffer entries: cb_next, backlog */

#define SNAP(s)		((((s) + 7) / 4) * 4)	/* (s + 7) & ~3 */
#define ACTIVE(s)	((s) % 4 != 0)
#define END(s)		(((s) / 4) * 4 + 4)	/* (s | 3) + 1 */

byte gp_seq;			/* the header: host writes, SC */
byte want;			/* host private: newest cookie asked for */
byte m_backlog, m_next;		/* the guest's CPU record, in memory */
byte maxcookie;			/* ghost: newest cookie the guest took */
chan req = [NCB] of { byte };	/* the request queue */

/* The guest CPU's store buffer: FIFO of (field, value); field 0 backlog. */
byte sb_f[SB], sb_v[SB], sb_head, sbn;

inline st(f, v) {
	atomic {
		sbn < SB ->
		sb_f[(sb_head + sbn) % SB] = f;
		sb_v[(sb_head + sbn) % SB] = v;
		sbn++
	}
}

inline mb() { sbn == 0 }

/* The host's callback demand: ask for cb_next, clamped to the next GP. */
inline demand() {
	if
	:: m_backlog != 0 && m_next > gp_seq ->
		if
		:: m_next > SNAP(gp_seq) -> want = SNAP(gp_seq)
		:: else -> if :: m_next > want -> want = m_next :: else fi
		fi
	:: else
	fi
}

active proctype guest()
{
	byte k, c, g, chained, newest, queued;

	do
	:: k < NCB ->
		mb(); c = gp_seq; c = SNAP(c);		/* pvrcu_gp_cookie() */
		if :: c > maxcookie -> maxcookie = c :: else fi;
		newest = c; queued = k + 1;
		st(1, c); st(0, queued);		/* cbl_publish() */
		if
		:: chained >= c -> skip			/* the list's cache */
		:: else ->
#ifndef MUTANT_CHAIN_NO_MB
			mb();				/* pvrcu_gp_chained() */
#endif
			g = gp_seq;
			if
			:: ACTIVE(g) && SNAP(g) >= c ->
				chained = c		/* the host chains */
			:: else -> req!c		/* pvrcu_gp_request() */
			fi
		fi;
		k++
	/*
	 * The tasklet on this CPU, at any time: once every queued callback's
	 * GP is done they run and the record says nothing waits. The record
	 * must cover a chained cookie until it is done.
	 */
	:: queued != 0 &&
#ifndef MUTANT_CHAIN_UNCOVER
	   gp_seq >= newest &&
#endif
	   true ->
		queued = 0; st(0, 0)
	:: else -> break
	od
}

/* The store buffer drains, oldest first, whenever it likes. */
active proctype hw()
{
end:	do
	:: atomic {
		sbn > 0 ->
		if
		:: sb_f[sb_head] == 0 -> m_backlog = sb_v[sb_head]
		:: else -> m_next = sb_v[sb_head]
		fi;
		sb_head = (sb_head + 1) % SB;
		sbn--
	   }
	od
}

active proctype host()
{
	byte c;

end:	do
	:: req?c -> if :: c > want -> want = c :: else fi	/* rcuc_gp_request() */
	:: atomic { !ACTIVE(gp_seq) && want > gp_seq -> gp_seq++ }	/* gp_start() */
	:: ACTIVE(gp_seq) -> demand()				/* a poll */
	:: ACTIVE(gp_seq) ->
		gp_seq = END(gp_seq);				/* gp_end() */
		/* publish_seq()'s second fence: SC here, nothing to do */
#ifndef MUTANT_CHAIN_NO_REREAD
		if :: want <= gp_seq -> demand() :: else fi
#endif
	od
}

/* Nothing can move: every cookie the guest took must be done. */
active proctype check()
{
	timeout -> assert(gp_seq >= maxcookie)
}
