"""One writer per folder: an exclusive lock a second writer is refused by, in one line."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

try:  # POSIX; elsewhere folders are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


from sim.io.files import (
    LOCK,
    FolderBusy,
)


class FolderLock:
    """An exclusive lock on a folder, held through a hidden ``.lock`` file inside it.

    Taking it never waits: if another process holds it, :class:`FolderBusy` says which
    (pid and host, written into the lock file). The operating system releases it when the
    holder dies, however it dies, so a killed writer never blocks the next one; a lock
    file left by a dead process is simply taken over. ``flock`` locks hold across
    processes on one machine and, on Linux, over NFS; on Lustre they need the ``flock``
    mount option.

    Parameters
    ----------
    folder : Path
        The folder to lock (created if missing).
    what : str
        How the one-line refusal names the folder ("run folder", "sweep folder").
    hint : str
        What the refusal suggests doing.
    """

    def __init__(self, folder: Path | str, what: str = "run folder", hint: str = "") -> None:
        self.folder, self.what, self.hint = Path(folder), what, hint
        self.path = self.folder / LOCK
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock or raise :class:`FolderBusy`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover - Windows
            return self
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise FolderBusy(self._refusal()) from None
            # the holder before us may have removed the file after we opened it: the lock
            # counts only on the file that is still there
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        self._fd = fd
        return self

    def _refusal(self) -> str:
        try:
            holder = self.path.read_text().split()
        except OSError:
            holder = []
        who = f"process {holder[0]} on {holder[1]}" if len(holder) >= 2 else "another process"
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.what} {self.folder} is being written by {who}{hint}"

    def release(self) -> None:
        """Remove the lock file and let go (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
