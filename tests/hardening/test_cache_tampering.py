"""The compile cache against another local user: entries they plant are misses.

An entry holds code that is exec'd, and its key and payload follow from the
policy text, so an attacker can build one. What stops them: the path to the
cache is checked at every read (each component this user's or root's, none
writable by others, no symlink), and entries carry a MAC made with a secret
only this user can read. We are root in the test sandbox, so "another user"
is a uid files are chown'd to.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

import regolite
from regolite.cache import KEY_FILE, CompileCache

OTHER_UID = 12345
SOURCE = {"p.rego": 'package x\nimport rego.v1\nallow if input.user == "admin"\n'}
PLANTED = {"p.rego": "package x\nimport rego.v1\nallow := true\n"}


def plant(directory, secret_from=None) -> str:
    """Do what an attacker does: compile SOURCE in a cache of their own to learn its
    key (the entry's file name), then store PLANTED's code under that key, MAC'd with
    their own secret, or with the secret in `secret_from` (a cache directory) to
    test the path checks alone. Returns the key."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if secret_from is not None:
        shutil.copy(os.path.join(secret_from, KEY_FILE), os.path.join(directory, KEY_FILE))
    attacker = CompileCache(str(directory))
    assert attacker.usable
    regolite.compile(SOURCE, cache=attacker)
    (name,) = [f for f in os.listdir(directory) if f.endswith(".json")]
    key = name[: -len(".json")]
    attacker.store(key, regolite.compile(PLANTED).artifact)
    return key


def fooled(cache) -> bool:
    """Whether compiling SOURCE through `cache` ran the planted code."""
    return regolite.compile(SOURCE, cache=cache).eval_rule("data.x.allow", input={"user": "guest"}) is True


def give_away(path) -> None:
    """Make `path` and everything under it another user's."""
    os.chown(path, OTHER_UID, OTHER_UID, follow_symlinks=False)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), OTHER_UID, OTHER_UID, follow_symlinks=False)


def test_control_an_entry_that_passes_every_check_is_a_hit(tmp_path):
    """The planted entry would run if it got through: what the other tests refuse is real."""
    directory = tmp_path / "cache"
    victim = CompileCache(str(directory))
    plant(tmp_path / "copy", secret_from=directory)
    for name in os.listdir(tmp_path / "copy"):
        if name.endswith(".json"):
            shutil.copy(tmp_path / "copy" / name, directory / name)
    assert fooled(victim)


def test_an_entry_planted_in_the_cache_without_the_secret_is_a_miss(tmp_path):
    directory = tmp_path / "cache"
    victim = CompileCache(str(directory))
    plant(tmp_path / "attacker")
    for name in os.listdir(tmp_path / "attacker"):
        if name.endswith(".json"):
            shutil.copy(tmp_path / "attacker" / name, directory / name)
    assert not fooled(victim)
    assert regolite.compile(SOURCE, cache=victim).eval_rule("data.x.allow", input={"user": "admin"}) is True
    assert not fooled(CompileCache(str(directory)))  # the miss rewrote the entry with this user's MAC


def test_a_cache_directory_of_another_user_is_not_used(tmp_path):
    directory = tmp_path / "cache"
    plant(directory)
    give_away(directory)
    cache = CompileCache(str(directory))
    assert not cache.usable
    assert not fooled(cache)


def test_a_cache_directory_given_away_after_opening_is_a_miss(tmp_path):
    directory = tmp_path / "cache"
    victim = CompileCache(str(directory))
    plant(tmp_path / "copy", secret_from=directory)  # even with this user's secret
    for name in os.listdir(tmp_path / "copy"):
        if name.endswith(".json"):
            shutil.copy(tmp_path / "copy" / name, directory / name)
    give_away(directory)
    assert not victim.contains(next(iter(os.listdir(directory))).split(".")[0])
    assert not fooled(victim)


def test_an_entry_file_of_another_user_is_a_miss(tmp_path):
    directory = tmp_path / "cache"
    victim = CompileCache(str(directory))
    key = plant(tmp_path / "copy", secret_from=directory)
    shutil.copy(tmp_path / "copy" / f"{key}.json", directory / f"{key}.json")
    os.chown(directory / f"{key}.json", OTHER_UID, OTHER_UID)
    assert not fooled(victim)


@pytest.mark.parametrize("swap", ["symlink", "directory"])
def test_a_parent_swapped_by_its_owner_is_a_miss(tmp_path, swap):
    """Another user owns a parent of the cache and swaps the folder under it after the
    cache was opened, for a symlink or a folder of theirs; the planted entry even
    carries this user's MAC, so only the path checks stand in the way."""
    home = tmp_path / "home"
    directory = home / "compiled"
    victim = CompileCache(str(directory))
    assert victim.usable and not fooled(victim)
    evil = tmp_path / "evil"
    plant(evil / "compiled", secret_from=directory)
    give_away(evil)
    os.rename(home, tmp_path / "home-before")
    if swap == "symlink":
        os.symlink(evil, home)
    else:
        os.rename(evil, home)
    assert not fooled(victim)
    assert not fooled(CompileCache(str(directory)))  # a cache opened now refuses the path as a whole


def test_a_parent_symlinked_to_this_users_folder_after_opening_is_a_miss(tmp_path):
    """No symlink is followed at read time, even to a folder that would pass the checks."""
    home = tmp_path / "home"
    victim = CompileCache(str(home / "compiled"))
    other = tmp_path / "other"
    plant(other / "compiled", secret_from=home / "compiled")
    os.rename(home, tmp_path / "home-before")
    os.symlink(other, home)
    assert not fooled(victim)


def test_a_symlinked_cache_path_is_resolved_once_when_opened(tmp_path):
    """A cache path through a symlink of this user's still works (resolved when opened)."""
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    cache = CompileCache(str(tmp_path / "link" / "compiled"))
    assert cache.usable
    regolite.compile(SOURCE, cache=cache)
    assert cache.load(next(f for f in os.listdir(tmp_path / "real" / "compiled") if f.endswith(".json"))[:-5])


@pytest.mark.parametrize("problem", ["readable", "foreign", "short", "symlink"])
def test_a_secret_others_can_read_or_replace_makes_the_cache_unusable(tmp_path, problem):
    directory = tmp_path / "cache"
    CompileCache(str(directory))
    secret = directory / KEY_FILE
    if problem == "readable":
        os.chmod(secret, 0o644)
    elif problem == "foreign":
        os.chown(secret, OTHER_UID, OTHER_UID)
    elif problem == "short":
        secret.write_bytes(b"guessable")
    else:
        os.rename(secret, tmp_path / "elsewhere")
        os.symlink(tmp_path / "elsewhere", secret)
    assert not CompileCache(str(directory)).usable


def test_a_fifo_planted_as_an_entry_is_a_quick_miss(tmp_path):
    directory = tmp_path / "cache"
    victim = CompileCache(str(directory))
    key = plant(tmp_path / "attacker")
    os.mkfifo(directory / f"{key}.json")
    started = time.monotonic()
    assert not fooled(victim)
    assert time.monotonic() - started < 5
