# pvrcu_torture, sleepable flavours: srcu and tasks_trace for 10 s each,
# then srcu with test_break_gp=1 (its grace periods end at once), which
# must FAIL.
flavors="srcu tasks_trace" broken=srcu
. /scenarios/torture_tasks.sh
