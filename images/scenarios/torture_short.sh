# pvrcu_torture, rcu flavour, 10 s: long enough for the host-side tests
# (pvrcuctl while GPs run, kill -9 of pvrcud mid-run).
duration=10
. /scenarios/torture.sh
