# pvrcu_torture, flavor=srcu alone for 10 s, no broken run (more CPUs, the
# guest's own scan, a pvrcud restart).
flavors=srcu broken=
. /scenarios/torture_tasks.sh
