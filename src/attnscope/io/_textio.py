"""Opening user files safely: compression by magic bytes, one documented encoding rule.

Compression is detected from the first bytes, never from the file name alone: gzip
(``1f 8b``, bgzip included), bzip2 (``BZh``), xz (``fd 37 7a 58 5a 00``) and zip holding one
file (``PK 03 04``) are decompressed on the fly; zstd (``28 b5 2f fd``) is refused with the
command that decompresses it. A truncated or corrupt compressed file raises one
:class:`DataError` naming the file, whenever the damage is met.

Encoding rule (text files): UTF-8, with or without a byte-order mark. UTF-16 and UTF-32
files that start with their byte-order mark are decoded. Any other bytes that are not UTF-8
(Windows-1252 / Latin-1 exports, typically) are refused with a :class:`DataError` naming the
file and line and the fix ``iconv -f cp1252 -t utf-8``: guessing the encoding would
silently change ids, gene names and labels. Text with NUL bytes (binary data, or UTF-16
without a byte-order mark) is refused the same way.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import re
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from attnscope.errors import DataError

# Helpers for the readers of this package, not public names of attnscope.io.
__all__: list[str] = []

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_PANDAS_COMPRESSION = {"gzip": "gzip", "bzip2": "bz2", "xz": "xz", "zip": "zip", None: None}
#: Errors a decompressor or decoder raises on damaged input.
IO_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    UnicodeError,
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def one_line(exc: BaseException) -> str:
    """First non-empty line of an exception's text (pandas errors span several lines)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0].rstrip(".") if lines else type(exc).__name__


def detect_compression(path: str | os.PathLike[str]) -> str | None:
    """``"gzip"``, ``"bzip2"``, ``"xz"``, ``"zip"``, ``"zstd"`` or None, from the magic bytes."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(6)
    except PermissionError as exc:
        raise DataError(f"{p}: permission denied; make the file readable (chmod u+r).") from exc
    except IsADirectoryError as exc:
        raise DataError(f"{p}: expected a file, found a directory; give the file itself.") from exc
    except OSError as exc:
        raise DataError(f"{p}: cannot read the file ({one_line(exc)}).") from exc
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def _corrupt(path: Path, kind: str | None, exc: BaseException) -> DataError:
    what = f"the {kind} data" if kind else "the file"
    return DataError(
        f"{path}: {what} is truncated or corrupt ({one_line(exc)}); re-download the file or "
        "compress it again."
    )


class _Guarded(io.RawIOBase):
    """A decompressing stream whose read errors become one DataError naming the file."""

    def __init__(self, fh: IO[bytes], path: Path, kind: str | None) -> None:
        self._fh, self._path, self._kind = fh, path, kind

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._fh.read(len(buffer))
        except IO_ERRORS as exc:
            raise _corrupt(self._path, self._kind, exc) from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def open_binary(path: str | os.PathLike[str]) -> io.BufferedReader:
    """Open ``path`` for reading bytes, decompressing gzip, bzip2, xz or a one-file zip.

    Raises
    ------
    DataError
        zstd data (with the command to decompress it), a zip holding no or several files,
        an unreadable file; later reads raise it for truncated or corrupt data.
    """
    p = Path(path)
    kind = detect_compression(p)
    fh: Any
    if kind == "zstd":
        raise DataError(
            f"{p}: zstd-compressed data is not supported; decompress it first "
            f"(zstd -d '{p}') and give the result."
        )
    if kind == "gzip":
        fh = gzip.open(p, "rb")
    elif kind == "bzip2":
        fh = bz2.open(p, "rb")
    elif kind == "xz":
        fh = lzma.open(p, "rb")
    elif kind == "zip":
        try:
            archive = zipfile.ZipFile(p)
            members = [m for m in archive.infolist() if not m.is_dir()]
        except IO_ERRORS as exc:
            raise _corrupt(p, "zip", exc) from None
        if len(members) != 1:
            archive.close()
            raise DataError(
                f"{p}: a zip file must hold exactly one file, found {len(members)} "
                f"({[m.filename for m in members[:3]]}); unzip it and give the file itself."
            )
        fh = archive.open(members[0])
    else:
        fh = open(p, "rb")
    return io.BufferedReader(_Guarded(fh, p, kind), buffer_size=1 << 16)


def _not_utf8(path: Path, line: int, exc: UnicodeDecodeError | None = None) -> DataError:
    byte = f" (byte 0x{exc.object[exc.start]:02x})" if exc is not None else ""
    return DataError(
        f"{path}, line {line}: the text is not UTF-8{byte}; attnscope reads UTF-8 (or "
        "UTF-16 with a byte-order mark). Convert it, e.g. "
        f"iconv -f cp1252 -t utf-8 '{path}' > converted.txt (Windows-1252/Latin-1 exports)."
    )


def _encoding(path: Path, head: bytes) -> str:
    """Encoding of a text stream from its first bytes (see the module notes)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if b"\x00" in head:
        raise DataError(
            f"{path}: the file holds NUL bytes: binary data, or UTF-16 text without a "
            "byte-order mark; give a UTF-8 text file."
        )
    return "utf-8-sig"


class _Utf8Lines(io.TextIOBase):
    """Strict UTF-8 text over a byte stream; a bad byte names its line. CR/CRLF become LF."""

    def __init__(self, raw: io.BufferedReader, path: Path) -> None:
        self._raw, self._path, self._line = raw, path, 0
        self._pending: deque[str] = deque()
        if raw.peek(3)[:3] == codecs.BOM_UTF8:
            raw.read(3)

    def readable(self) -> bool:
        return True

    def _decode(self, data: bytes, first_line: int) -> str:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(self._path, first_line + data[: exc.start].count(b"\n"), exc) from None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if self._pending:
            return self._pending.popleft()
        data = self._raw.readline()
        if not data:
            return ""
        self._line += 1
        text = self._decode(data, self._line)
        if text.count("\n") > 1 or (text.count("\n") == 1 and not text.endswith("\n")):
            parts = text.splitlines(keepends=True)
            self._pending.extend(parts[1:])
            return parts[0]
        return text

    def read(self, size: int | None = -1) -> str:
        rest = "".join(self._pending)
        self._pending.clear()
        return rest + self._decode(self._raw.read(), self._line + 1)

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return self

    def __next__(self) -> str:  # type: ignore[override]
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a text file under the module's compression and encoding rules.

    Returns
    -------
    text stream
        Lines end in ``\\n`` (CRLF and CR translated); a UTF-8 byte-order mark is dropped.

    Raises
    ------
    DataError
        See the module notes (raised on opening, or on the read that meets the problem).
    """
    p = Path(path)
    raw = open_binary(p)
    try:
        encoding = _encoding(p, raw.peek(64)[:64])
    except BaseException:
        raw.close()
        raise
    if encoding == "utf-8-sig":
        return cast(IO[str], _Utf8Lines(raw, p))
    with raw:
        data = raw.read()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{p}: the {encoding.upper()} text is damaged at byte {exc.start} "
            f"({one_line(exc)}); save the file again as UTF-8."
        ) from None
    return io.StringIO(text.lstrip("\ufeff"), newline=None)


def read_csv(path: str | os.PathLike[str], **kwargs: Any) -> Any:
    """``pandas.read_csv`` under the module's compression and encoding rules.

    Rows of empty fields at the end (``,,,,``) are dropped. Damaged compression and non-UTF-8
    text raise one :class:`DataError` naming the file (and the line, for text); pandas' own
    ``ParserError`` / ``EmptyDataError`` pass through for the caller to word.
    """
    import pandas as pd

    p = Path(path)
    kind = detect_compression(p)
    with open_binary(p) as raw:  # validates zip/zstd and reads the decompressed head
        encoding = _encoding(p, raw.peek(64)[:64])
    kwargs.setdefault("encoding", encoding)
    kwargs.setdefault("encoding_errors", "strict")
    kwargs.setdefault("compression", _PANDAS_COMPRESSION.get(kind))
    try:
        return _without_trailing_empty_rows(pd.read_csv(p, **kwargs))
    except UnicodeDecodeError:
        _locate_bad_text(p)
        raise DataError(f"{p}: the text is not {encoding.upper()}; save it as UTF-8.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        raise
    except DataError:
        raise
    except IO_ERRORS as exc:
        raise _corrupt(p, kind, exc) from None


def check_header_unique(path: str | os.PathLike[str], sep: str, above: int = 0) -> None:
    """DataError naming the header's repeated column names (pandas would rename the repeats
    'name.1', and a reader picking columns by name would take the first, silently); the
    header follows ``above`` lines of notes."""
    first = read_csv(
        path, sep=sep, header=None, nrows=1, dtype=str, skipinitialspace=True, skiprows=above
    )
    names = first.iloc[0].fillna("").astype(str).str.strip()
    repeated = sorted(set(names[names.duplicated() & (names != "")]))
    if repeated:
        raise DataError(
            f"{path}: the header names columns {repeated[:5]} more than once; which one is "
            "meant cannot be told: rename or drop the repeats."
        )


def _without_trailing_empty_rows(frame: Any) -> Any:
    """``frame`` without the rows at its end whose every field is empty (``,,,,``: a
    spreadsheet's blank rows saved as CSV), which read as samples without an id or label.
    Rows above are kept, so that row positions still give line numbers."""
    import pandas as pd

    end = len(frame)
    while end > 0:  # only the last rows are looked at: usually none or one
        values = frame.iloc[end - 1].to_numpy(dtype=object)
        if not all(str(v).strip() == "" for v in values[~pd.isna(values)]):
            break
        end -= 1
    return frame if end in (0, len(frame)) else frame.iloc[:end]


def _locate_bad_text(path: Path) -> None:
    """Read ``path`` line by line to raise the DataError naming the first bad line."""
    with open_text(path) as fh:
        for _ in fh:
            pass


def number_hint(value: Any, sep: str | None = None) -> str | None:
    """The fix for a number written with a decimal comma or thousands separators, else None.

    In a comma-separated table (``sep=","``) a quoted ``"1,500"`` is as likely one thousand
    five hundred as 1.5: both readings are named (elsewhere a comma is a decimal comma).
    """
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text) and (
        "." in text or text.count(",") > 1
    ):
        plain = text.replace(",", "")
        return f"It has thousands separators: write {plain!r} (export without digit grouping)."
    if sep == "," and re.fullmatch(r"[+-]?[1-9]\d{0,2},\d{3}", text):  # 1500 or 1.5?
        return (
            f"It has a comma: write {text.replace(',', '')!r} if the comma groups thousands, "
            f"or {text.replace(',', '.')!r} if it is a decimal comma (export numbers without "
            "digit grouping, with '.' as the decimal separator)."
        )
    if re.fullmatch(r"[+-]?\d*,\d+([eE][+-]?\d+)?", text):
        point = text.replace(",", ".")
        return (
            f"It has a decimal comma: write {point!r} (export with '.' as the decimal separator)."
        )
    return None
