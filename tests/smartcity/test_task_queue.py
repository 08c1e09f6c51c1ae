"""smartcity.task_queue: follow-up tasks requested by registered name, coalesced, never failing the caller."""

import ast
import importlib
import pathlib

import pytest
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError as KombuOperationalError

from smartcity import task_queue

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("smartcity", "indicators", "scoring", "api", "webhooks", "public")


def requested_task_names() -> dict[str, str]:
    """Every task name passed to task_queue.request(...) in the app code, with where it is requested.

    The first argument is a string literal or a module-level constant of the calling module.
    """
    names = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr != "request" or getattr(node.func.value, "id", None) != "task_queue":
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    name = first.value
                else:
                    assert isinstance(first, ast.Name), f"{path}:{node.lineno}: name a task by a constant"
                    name = getattr(importlib.import_module(module), first.id)
                names[name] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return names


def test_the_code_requests_the_follow_up_tasks_and_the_recompute():
    assert set(requested_task_names()) == {
        "scoring.tasks.scores_recompute_task",
        "scoring.tasks.uncertainty_analyse_task",
        "indicators.tasks.notifications_send_task",
        "webhooks.tasks.webhooks_deliver_task",
        "indicators.tasks.review_flags_refresh_task",  # the stored review flags (issue 17)
        "public.tasks.published_files_write_task",  # issue 17: the published open data files
        "public.tasks.accessibility_feedback_send_task",  # issue 18: feedback on accessibility to the operator
    }


def test_every_requested_and_scheduled_task_name_is_registered():
    current_app.loader.import_default_modules()
    scheduled = {entry["task"]: "CELERY_BEAT_SCHEDULE" for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name, where in {**requested_task_names(), **scheduled}.items():
        assert name in current_app.tasks, f"{where} requests {name!r}, which no task is registered as"


def test_every_task_of_the_apps_is_named_after_its_module_and_function():
    # queued messages and the beat schedule name tasks this way; an explicit name= must keep it
    current_app.loader.import_default_modules()
    ours = {name: task for name, task in current_app.tasks.items() if name.split(".")[0] in APPS}
    # with indicators.tasks.evidence_orphans_reap_task (issue 15, item 3), checks_remind_task,
    # review_flags_refresh_task and public.tasks.published_files_write_task (issue 17),
    # public.tasks.accessibility_feedback_send_task (issue 18)
    assert len(ours) == 10
    for name, task in ours.items():
        assert name == f"{task.run.__module__}.{task.run.__name__}"


def test_an_unknown_task_name_is_a_programming_error():
    with pytest.raises(KeyError):
        task_queue.request("scoring.tasks.no_such_task")


def test_coalesced_requests_enqueue_once_until_the_task_starts(monkeypatch, db):
    # given
    name = "webhooks.tasks.webhooks_deliver_task"
    sent = []
    monkeypatch.setattr(task_queue.registered_task(name), "apply_async", lambda args: sent.append(args))
    cache.delete(task_queue.pending_key(name))

    # when / then
    assert [task_queue.request(name, coalesce=True) for _ in range(3)] == [True, False, False]
    task_queue.started(name)
    assert task_queue.request(name, coalesce=True) is True
    assert task_queue.request(name) is True  # without coalescing every request is sent
    assert sent == [(), (), ()]


def test_the_coalescing_key_is_per_task_and_arguments():
    assert task_queue.pending_key("scoring.tasks.scores_recompute_task", (7,)) == (
        "task-pending:scoring.tasks.scores_recompute_task:7"
    )
    assert task_queue.pending_key("a.tasks.t", (7,)) != task_queue.pending_key("a.tasks.t", (8,))


def test_a_broker_outage_is_logged_and_frees_the_key(monkeypatch, db, caplog):
    # given
    name = "scoring.tasks.scores_recompute_task"
    cache.delete(task_queue.pending_key(name, (1,)))

    def down(*args, **kwargs):
        raise KombuOperationalError("connection refused")

    monkeypatch.setattr(task_queue.registered_task(name), "apply_async", down)

    # when
    enqueued = task_queue.request(name, (1,), countdown=2, coalesce=True, description="the recompute of edition 1")

    # then
    assert enqueued is False
    assert cache.get(task_queue.pending_key(name, (1,))) is None
    assert "could not enqueue the recompute of edition 1; the periodic job will catch up" in caplog.text
