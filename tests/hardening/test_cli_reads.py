"""`regolite parse` and `regolite fmt` read files as every other command does:
regular files only, bounded, an error naming the file (a FIFO hung them)."""

from __future__ import annotations

import os
import threading

import pytest

from regolite.cli import main


@pytest.mark.parametrize("command", ["parse", "fmt"])
def test_a_fifo_is_refused_at_once(tmp_path, capsys, command):
    fifo = tmp_path / "policy.rego"
    os.mkfifo(fifo)
    done = []
    thread = threading.Thread(target=lambda: done.append(main([command, str(fifo)])), daemon=True)
    thread.start()
    thread.join(10)
    assert done == [1], "the command hung on the FIFO"
    assert capsys.readouterr().err == f"error: {fifo}: not a regular file: a FIFO\n"


@pytest.mark.parametrize("command", ["parse", "fmt"])
def test_a_symlink_to_a_device_is_refused(tmp_path, capsys, command):
    link = tmp_path / "zero.rego"
    link.symlink_to("/dev/zero")
    assert main([command, str(link)]) == 1
    assert "not a regular file: a character device" in capsys.readouterr().err
