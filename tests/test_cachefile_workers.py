"""What a worker process of a parallel run puts in a cache reaches the cache file through its
parent (toolkit/cachefile.py: take_added, adopt): a worker never writes one itself."""

from __future__ import annotations

import json

from toolkit import cachefile
from toolkit.cachefile import JsonCache, adopt, take_added, user_cache_folder


def stored(name: str) -> dict:
    return json.loads((user_cache_folder() / f"{name}.json").read_text(encoding="utf-8"))


def test_what_a_worker_added_is_taken_once():
    cache = JsonCache("test-taken", lambda: "salt-1")
    cache.put("a", 1)
    cache.put("b", [2])
    assert take_added()["test-taken"] == ("salt-1", {"a": 1, "b": [2]})
    assert "test-taken" not in take_added()


def test_the_parent_puts_it_into_its_own_cache():
    parent = JsonCache("test-adopted", lambda: "salt-1")
    adopt({"test-adopted": ("salt-1", {"a": 1})})
    assert parent.get("a") == 1
    parent.save()
    assert stored("test-adopted") == {"salt": "salt-1", "values": {"a": 1}}


def test_values_of_other_code_are_dropped():
    parent = JsonCache("test-other", lambda: "salt-2")
    adopt({"test-other": ("salt-1", {"a": 1})})
    assert parent.get("a") is None


def test_a_cache_made_later_takes_what_was_found_before(monkeypatch):
    adopt({"test-later": ("salt-1", {"a": 1})})
    later = JsonCache("test-later", lambda: "salt-1")
    assert later.get("a") == 1


def test_a_cache_never_made_is_written_at_the_end():
    adopt({"test-never": ("salt-1", {"a": 1}), "test-never-2": ("salt-3", {"b": 2})})
    cachefile._save_pending()
    assert stored("test-never") == {"salt": "salt-1", "values": {"a": 1}}
    assert stored("test-never-2") == {"salt": "salt-3", "values": {"b": 2}}
    assert cachefile._PENDING == {}
