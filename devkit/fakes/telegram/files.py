"""Files known to the fake: uploads from the bot and media sent by simulated users.

``getFile`` answers with a ``file_path`` that ``GET {base}/file/bot<token>/<file_path>`` serves,
as the real server does. A file the bot refers to by URL is registered without content.
"""

from __future__ import annotations

import hashlib
import itertools

from devkit.fakes.telegram.model import StoredFile

__all__ = ["FileStore"]

_EXTENSIONS = {
    "photo": "jpg",
    "video": "mp4",
    "animation": "mp4",
    "audio": "mp3",
    "voice": "oga",
    "sticker": "webp",
}


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def reset(self) -> None:
        self._by_id.clear()
        self._by_path.clear()

    def add(self, kind: str, data: bytes | None, filename: str | None = None) -> StoredFile:
        number = next(self._counter)
        digest = hashlib.sha256(data or str(number).encode()).hexdigest()
        extension = _EXTENSIONS.get(kind) or (
            filename.rsplit(".", 1)[-1] if filename and "." in filename else "bin"
        )
        folder = "photos" if kind == "photo" else f"{kind}s"
        stored = StoredFile(
            file_id=f"BQACAgIAAx{kind[:2].upper()}{number:06d}{digest[:16]}",
            file_unique_id=f"AgAD{number:06d}{digest[:6]}",
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)
