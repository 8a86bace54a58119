"""Download, checksum and archive helpers shared by the datasets (torchvision.datasets.utils).

Downloads go through urllib (so `file://` URLs work too), land in a temporary file next to the
target and are renamed only once complete and, when an MD5 is given, verified: an interrupted or
corrupted download never leaves a file that a later run would take for the real one.
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib
import re
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from typing import IO, Callable, Optional, TypeVar, Union

import numpy as np

PathLike = Union[str, pathlib.Path]
USER_AGENT = "pytorch/vision"

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "download_file_from_google_drive",
           "list_dir", "list_files", "extract_archive", "download_and_extract_archive", "iterable_to_str",
           "verify_str_arg"]


def calculate_md5(fpath: PathLike, chunk_size: int = 1024 * 1024) -> str:
    # usedforsecurity=False: MD5 only detects corruption here, and FIPS builds refuse it otherwise
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: PathLike, md5: str, chunk_size: int = 1024 * 1024) -> bool:
    return md5 == calculate_md5(fpath, chunk_size)


def check_integrity(fpath: PathLike, md5: Optional[str] = None) -> bool:
    """True if `fpath` is a file and, when `md5` is given, its checksum matches."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def _urlretrieve(url: str, fpath: str, max_redirect_hops: int, chunk_size: int = 1024 * 32) -> None:
    redirects = urllib.request.HTTPRedirectHandler()
    redirects.max_redirections = max_redirect_hops
    opener = urllib.request.build_opener(redirects)
    partial = fpath + ".part"
    try:
        with opener.open(urllib.request.Request(url, headers={"User-Agent": USER_AGENT})) as response, \
                open(partial, "wb") as fh:
            while chunk := response.read(chunk_size):
                fh.write(chunk)
        os.replace(partial, fpath)  # only a complete download gets the real name
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def download_url(url: str, root: PathLike, filename: Optional[PathLike] = None, md5: Optional[str] = None,
                 max_redirect_hops: int = 3) -> None:
    """Download `url` to `root/filename` (default: the URL's basename) unless a file with the
    right checksum is already there; raise RuntimeError if the downloaded file fails the MD5 check."""
    root = os.path.expanduser(root)
    fpath = os.fspath(os.path.join(root, filename or os.path.basename(url)))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    try:
        _urlretrieve(url, fpath, max_redirect_hops)
    except (urllib.error.URLError, OSError):
        # like torchvision: some mirrors serve plain http only
        if not url.startswith("https:"):
            raise
        url = "http:" + url[len("https:"):]
        _urlretrieve(url, fpath, max_redirect_hops)
    if md5 is not None:
        actual = calculate_md5(fpath)
        if actual != md5:
            os.remove(fpath)  # a corrupt file must not pass for the dataset on the next run
            raise RuntimeError(f"File not found or corrupted: {fpath} downloaded from {url} has MD5 {actual}, "
                               f"expected {md5}.")


def download_file_from_google_drive(file_id: str, root: PathLike, filename: Optional[PathLike] = None,
                                    md5: Optional[str] = None) -> None:
    """Download a Google Drive file (by id) to `root/filename` with the `gdown` package, unless a file with
    the right checksum is already there."""
    try:
        import gdown
    except ModuleNotFoundError:
        raise RuntimeError("To download files from GDrive, 'gdown' is required. You can install it with "
                           "'pip install gdown'.") from None
    root = os.path.expanduser(root)
    fpath = os.fspath(os.path.join(root, filename or file_id))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    gdown.download(id=file_id, output=fpath, quiet=False, user_agent=USER_AGENT)
    if not check_integrity(fpath, md5):
        raise RuntimeError(f"File not found or corrupted: {fpath} (Google Drive id {file_id}) fails its MD5 check.")


def list_dir(root: PathLike, prefix: bool = False) -> list[str]:
    """The directories directly inside `root` (joined to `root` when `prefix`)."""
    root = os.path.expanduser(root)
    names = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, p) for p in names] if prefix else names


def list_files(root: PathLike, suffix: Union[str, tuple[str, ...]], prefix: bool = False) -> list[str]:
    """The files directly inside `root` whose names end with `suffix` (a str or a tuple of them)."""
    root = os.path.expanduser(root)
    names = [p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, p) for p in names] if prefix else names


# ------------------------------------------------------------------------------------ archives
_COMPRESSED_OPENERS: dict[str, Callable[..., IO]] = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}
_ARCHIVES = (".tar", ".zip")
_ALIASES = {".tgz": (".tar", ".gz"), ".tbz": (".tar", ".bz2"), ".tbz2": (".tar", ".bz2")}
_ZIP_METHODS = {".bz2": zipfile.ZIP_BZIP2, ".xz": zipfile.ZIP_LZMA}


def _detect_file_type(file: PathLike) -> tuple[str, Optional[str], Optional[str]]:
    """(suffix, archive type, compression) from the file name, e.g. ('.tar.gz', '.tar', '.gz')."""
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(f"File '{file}' has no suffixes that could be used to detect the archive type "
                           "and compression.")
    last = suffixes[-1]
    if last in _ALIASES:
        return (last, *_ALIASES[last])
    if last in _ARCHIVES:
        return last, last, None
    if last in _COMPRESSED_OPENERS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVES:
            return suffixes[-2] + last, suffixes[-2], last
        return last, None, last
    known = sorted(set(_ALIASES) | set(_ARCHIVES) | set(_COMPRESSED_OPENERS))
    raise RuntimeError(f"Unknown compression or archive type: '{last}'.\nKnown suffixes are: '{known}'.")


def _extract_tar(from_path: PathLike, to_path: str, compression: Optional[str]) -> None:
    with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:
        # the "data" filter refuses members that would land outside to_path (../x, absolute paths, links out)
        tar.extractall(to_path, filter="data")


def _extract_zip(from_path: PathLike, to_path: str, compression: Optional[str]) -> None:
    # ZipFile.extractall already strips absolute paths and ".." components
    with zipfile.ZipFile(from_path, "r", compression=_ZIP_METHODS.get(compression, zipfile.ZIP_STORED)) as zf:
        zf.extractall(to_path)


def extract_archive(from_path: PathLike, to_path: Optional[PathLike] = None,
                    remove_finished: bool = False) -> Union[str, pathlib.Path]:
    """Extract a .tar/.zip archive (optionally .gz/.bz2/.xz compressed) into `to_path` (default: the
    archive's folder), or decompress a single compressed file there; returns where it went."""
    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive, compression = _detect_file_type(from_path)
    if archive is None:
        result = os.path.join(to_path, os.path.basename(from_path).replace(suffix, ""))
        with _COMPRESSED_OPENERS[compression](from_path, "rb") as src, open(result, "wb") as dst:
            while chunk := src.read(1024 * 1024):
                dst.write(chunk)
    else:
        result = to_path
        (_extract_tar if archive == ".tar" else _extract_zip)(from_path, os.fspath(to_path), compression)
    if remove_finished:
        os.remove(from_path)
    return os.fspath(result) if isinstance(from_path, str) else pathlib.Path(result)


def download_and_extract_archive(url: str, download_root: PathLike, extract_root: Optional[PathLike] = None,
                                 filename: Optional[PathLike] = None, md5: Optional[str] = None,
                                 remove_finished: bool = False) -> None:
    download_root = os.path.expanduser(download_root)
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root or download_root, remove_finished)


# ------------------------------------------------------------------------------------ arguments
def iterable_to_str(iterable: Iterable) -> str:
    return "'" + "', '".join(str(item) for item in iterable) + "'"


T = TypeVar("T", str, bytes)


def verify_str_arg(value: T, arg: Optional[str] = None, valid_values: Optional[Iterable[T]] = None,
                   custom_msg: Optional[str] = None) -> T:
    """Return `value` if it is a str among `valid_values`; raise ValueError otherwise (torchvision's messages)."""
    if not isinstance(value, str):
        where = "" if arg is None else f" for argument {arg}"
        raise ValueError(f"Expected type str{where}, but got type {type(value)}.")
    if valid_values is None or value in valid_values:
        return value
    if custom_msg is None:
        valid = iterable_to_str(valid_values)
        custom_msg = f"Unknown value '{value}' for argument {arg}. Valid values are {{{valid}}}."
    raise ValueError(custom_msg)


def _read_pfm(file_name: PathLike, slice_channels: int = 2) -> np.ndarray:
    """A PFM image (header 'PF' colour or 'Pf' gray, 'W H', scale whose sign gives the byte order; rows
    stored bottom-up) as float32 (C, H, W), keeping the first `slice_channels` channels."""
    with open(file_name, "rb") as f:
        header = f.readline().rstrip()
        if header not in (b"PF", b"Pf"):
            raise ValueError("Invalid PFM file")
        size = re.match(rb"^(\d+)\s(\d+)\s$", f.readline())
        if not size:
            raise ValueError("Malformed PFM header.")
        width, height = (int(v) for v in size.groups())
        scale = float(f.readline().rstrip())
        channels = 3 if header == b"PF" else 1
        data = np.fromfile(f, dtype="<f4" if scale < 0 else ">f4")
    if data.size != height * width * channels:
        raise ValueError(f"{file_name}: the PFM header announces {width}x{height}x{channels} floats, "
                         f"the file holds {data.size}")
    data = np.flip(data.reshape(height, width, channels).transpose(2, 0, 1), axis=1)
    return data[:slice_channels].astype(np.float32)
