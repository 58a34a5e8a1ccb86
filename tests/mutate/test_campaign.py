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


# killed, each by the corpus; then survivors and an equivalent mutant
AGREEMENT = (KILLED, "constant:bolus/Idle->Bolusing:g2.1+1", "retarget:bolus/Idle->Bolusing:Idle",
             "delete-update:stop/Bolusing->Idle:bolus_left", "retarget:stop/Bolusing->Idle:Bolusing",
             "flip-compare:tick/Bolusing->Idle:g1.1", "delete-update:every-tick:bolus_left",
             "persistent:bolus_left", SURVIVOR, "add-source:stop/Bolusing->Idle:Idle",
             EQUIVALENT_ID)


def test_the_cheap_kill_and_the_prover_give_the_same_verdicts(tiny):
    """The campaign's path (the corpus first) and the prover alone (no corpus, no
    exploration before the proofs) agree on every fixture mutant."""
    prover_only = Budget(replay_steps=0, explore_first=0)
    cheap = [decide(job(tiny, m)) for m in AGREEMENT]
    proved = [decide(Job(tiny.text, tiny.file, m, prover_only)) for m in AGREEMENT]
    assert [o.status for o in cheap] == [o.status for o in proved]
    assert [o.status for o in cheap].count(Status.KILLED) == 8
    assert all("(replay:" in o.detail for o in cheap[:8])
    assert not any("(replay:" in o.detail for o in proved)


def test_a_corpus_kill_names_its_check_and_its_confirmed_trace(tiny, tiny_mutants):
    from compiler.backends.python import STEPPER
    from compiler.mutate import replay
    from compiler.mutate.campaign import prepared

    corpus = prepared(tiny.text, tiny.file, Budget()).corpus
    result = replay.run(tiny_mutants[KILLED].module, STEPPER, corpus)
    assert result.kill is not None and result.kill.check.key in ("T-01", "range.bolus_left")
    cex = result.kill.cex
    assert cex.inputs[cex.bad][0] == "bolus" and cex.inputs[cex.bad][1]["amount"] > 10
    outcome = decide(job(tiny, KILLED))
    assert outcome.trace and outcome.trace[-1].startswith("bolus(amount=")


def test_the_corpus_is_the_same_every_time(tiny):
    from compiler.mutate import campaign

    first = campaign.prepared(tiny.text, tiny.file, Budget()).corpus
    campaign._SPECS.clear()
    again = campaign.prepared(tiny.text, tiny.file, Budget()).corpus
    assert again == first and 0 < first.steps <= Budget().replay_steps


def test_a_mutant_the_corpus_shows_different_needs_no_equivalence_query(tiny):
    outcome = decide(job(tiny, SURVIVOR))
    assert outcome.status == Status.SURVIVED and "fixed traces" in outcome.detail
