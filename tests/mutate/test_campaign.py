"""Deciding mutants: killed, equivalent, survived; locally and on a Dask cluster."""

from compiler.mutate import Budget, Job, Status, decide, run
from compiler.mutate.equivalence import DIFFERENT, EQUIVALENT, compare

# the maximum bolus is no longer refused: T-01 breaks, and so does bolus_left's range
KILLED = "drop-guard:bolus/Idle->Bolusing:g2"
EQUIVALENT_ID = "add-source:tick/Bolusing->Idle:Idle"  # bolus_left is 0 in Idle: no change
SURVIVOR = "delete-update:every-tick:reservoir"  # no property reads the reservoir


def job(tiny, mutant):
    return Job(tiny.text, tiny.file, mutant, Budget())


def test_a_known_killed_mutant_is_killed_by_the_property_it_breaks(tiny):
    outcome = decide(job(tiny, KILLED))
    assert outcome.status == Status.KILLED
    assert len(outcome.checks) == 1 and outcome.checks[0] in ("T-01", "range.bolus_left")


def test_a_known_equivalent_mutant_is_shown_equivalent(tiny, tiny_mutants):
    assert compare(tiny.module, tiny_mutants[EQUIVALENT_ID].module, 0) == EQUIVALENT
    assert decide(job(tiny, EQUIVALENT_ID)).status == Status.EQUIVALENT


def test_a_survivor_is_proved_and_not_equivalent(tiny, tiny_mutants):
    assert compare(tiny.module, tiny_mutants[SURVIVOR].module, 0) == DIFFERENT
    outcome = decide(job(tiny, SURVIVOR))
    assert outcome.status == Status.SURVIVED and outcome.checks == ()


def test_local_processes_give_the_outcomes_in_job_order(tiny):
    jobs = [job(tiny, m) for m in (SURVIVOR, KILLED, EQUIVALENT_ID)]
    outcomes = run(jobs, workers=2)
    assert [o.mutant for o in outcomes] == [SURVIVOR, KILLED, EQUIVALENT_ID]
    assert [o.status for o in outcomes] == [Status.SURVIVED, Status.KILLED, Status.EQUIVALENT]


def test_a_dask_cluster_decides_the_same(tiny):
    from distributed import LocalCluster

    jobs = [job(tiny, m) for m in (KILLED, EQUIVALENT_ID)]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        outcomes = run(jobs, workers=1, executor=cluster.scheduler_address)
    assert [o.status for o in outcomes] == [Status.KILLED, Status.EQUIVALENT]
