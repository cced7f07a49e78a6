# pvrcu_torture, flavor=tasks alone for 10 s, no broken run (for more CPUs).
flavors=tasks broken=
. /scenarios/torture_tasks.sh
