"""Root-group attributes of a NetCDF-4/HDF5 file read from its bytes, without the HDF5 library.

Opening a product with netCDF4 (~2 ms) or h5py (~1 ms) costs far more than the rest of its
ingest, yet the item needs only a few root attributes. This module follows the file's own
structure to them (HDF5 File Format Specification 3.0): superblock → root object header →
attribute messages, stored either in the header ("compact") or in a fractal heap indexed by a
v2 B-tree ("dense", what netCDF-4 writes for more than eight attributes). Following the index,
not searching the bytes, matters: a deleted or rewritten attribute leaves its old bytes behind.
Whatever layout it does not know (superblock 0/1 with dense storage, a heap or B-tree of more
than one level, shared datatypes, variable-length strings) raises :class:`Unresolved`, and the
caller reads the file with h5py instead.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from struct import unpack_from

SIGNATURE = b"\x89HDF\r\n\x1a\n"
_H = struct.Struct("<H").unpack_from
_I = struct.Struct("<I").unpack_from
_Q = struct.Struct("<Q").unpack_from
_ATTRIBUTE, _ATTRIBUTE_INFO, _CONTINUATION = 0x0C, 0x15, 0x10
_UNDEFINED = 0xFFFFFFFFFFFFFFFF


class Unresolved(LookupError):
    """The bytes use a layout this reader does not decode; read the file with h5py."""


def _u(data: bytes, at: int, size: int) -> int:
    # callers first check the file is as long as its superblock says; a structure past the
    # end is then corruption, raised by struct or here
    if at + size > len(data):
        raise OSError(f"corrupt HDF5 metadata: a structure at byte {at} runs past the end")
    return int.from_bytes(data[at : at + size], "little")


def check_superblock(data: bytes) -> tuple[int, int]:
    """Check the signature and length; return ``(size of lengths, root object header address)``.

    Raises:
        OSError: the bytes are not an HDF5 file or the file is truncated.
        Unresolved: a user block, 4-byte offsets or an unknown superblock version.
    """
    if not data.startswith(SIGNATURE):
        if SIGNATURE in data[:4096]:
            raise Unresolved("HDF5 file with a user block")
        raise OSError("not an HDF5/NetCDF-4 file (no HDF5 signature)")
    if len(data) < 48:
        raise OSError(f"truncated HDF5 file ({len(data)} bytes)")
    version = data[8]
    if version in (2, 3):
        size_off, size_len, eof_at, root_at = data[9], data[10], 28, 36
    elif version in (0, 1):
        size_off, size_len = data[13], data[14]
        eof_at = 40 + (4 if version == 1 else 0)
        root_at = eof_at + 16 + 8  # EOF, driver info, then the root symbol table entry's link name
    else:
        raise Unresolved(f"HDF5 superblock version {version}")
    if size_off != 8 or size_len != 8:
        raise Unresolved(f"HDF5 offsets/lengths of {size_off}/{size_len} bytes")
    eof = _u(data, eof_at, 8)
    if len(data) < eof:
        raise OSError(f"truncated HDF5 file: {len(data)} of {eof} bytes")
    return size_len, _u(data, root_at, 8)


def _superblock_ranges(data: bytes) -> list[tuple[int, int]]:
    """The superblock bytes that fix the layout (all but the end-of-file address and checksum)."""
    if data[8] >= 2:
        return [(0, 28), (36, 8)]
    eof_at = 40 + (4 if data[8] == 1 else 0)
    return [(0, eof_at), (eof_at + 24, 8)]


def _header_messages(data: bytes, at: int, seen: list) -> Iterator[tuple[int, int, int]]:
    """Yield ``(type, data offset, size)`` of every message of the object header at ``at``.

    Appends the ``(offset, length)`` of every byte range it decides on to ``seen``.
    """
    if data[at : at + 4] == b"OHDR":  # version 2
        flags = data[at + 5]
        pos = at + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 3)
        chunks = [(pos + width, _u(data, pos, width))]
        seen.append((at, pos + width - at))
        prefix = 6 if flags & 0x04 else 4
        while chunks:
            start, size = chunks.pop(0)
            seen.append((start, size))
            pos, end = start, start + size
            while pos + prefix <= end:
                kind, (length,) = data[pos], _H(data, pos + 1)
                body = pos + prefix
                if kind == _CONTINUATION:
                    (target,), (length_c,) = _Q(data, body), _Q(data, body + 8)
                    if data[target : target + 4] != b"OCHK":
                        raise OSError("broken object header continuation")
                    chunks.append((target + 4, length_c - 8))  # signature and checksum
                elif kind:
                    yield kind, body, length
                pos = body + length
        return
    if data[at] != 1:
        raise Unresolved(f"object header version {data[at]}")
    (count,) = _H(data, at + 2)
    chunks = [(at + 16, _I(data, at + 8)[0])]
    seen.append((at, 16))
    while chunks and count:
        start, size = chunks.pop(0)
        seen.append((start, size))
        pos, end = start, start + size
        while pos + 8 <= end and count:
            kind, length = _H(data, pos)[0], _H(data, pos + 2)[0]
            count -= 1
            if kind == _CONTINUATION:
                chunks.append((_Q(data, pos + 8)[0], _Q(data, pos + 16)[0]))
            elif kind:
                yield kind, pos + 8, length
            pos += 8 + length


def _heap_locator(data: bytes, heap_at: int, seen: list):
    """Return a function mapping a managed-object heap offset to its file offset.

    Handles a root direct block and a root indirect block of direct blocks (the doubling
    table), which covers attribute heaps of many megabytes.
    """
    if _H(data, heap_at + 7)[0]:
        raise Unresolved("filtered fractal heap")
    # header: 14 bytes, twelve 8-byte sizes and addresses, then the doubling table
    (width,), (start_size,) = _H(data, heap_at + 110), _Q(data, heap_at + 112)
    (max_direct,), (max_heap_bits,) = _Q(data, heap_at + 120), _H(data, heap_at + 128)
    (root,), (rows,) = _Q(data, heap_at + 132), _H(data, heap_at + 140)
    seen.append((heap_at, 142))
    if not rows:
        return lambda offset: root + offset
    if data[root : root + 4] != b"FHIB":
        raise OSError("broken fractal heap")
    direct_rows = (max_direct.bit_length() - start_size.bit_length()) + 2
    if rows > direct_rows:
        raise Unresolved("fractal heap with indirect child blocks")
    entries = root + 13 + (max_heap_bits + 7) // 8
    seen.append((root, entries + 8 * rows * width - root))
    blocks = []  # (heap offset, size, file address) of every direct block
    heap_offset = 0
    for row in range(rows):
        size = start_size if row < 2 else start_size << (row - 1)
        for col in range(width):
            blocks.append((heap_offset, size, _u(data, entries + 8 * (row * width + col), 8)))
            heap_offset += size

    def locate(offset: int) -> int:
        for first, size, address in blocks:
            if first <= offset < first + size and address != _UNDEFINED:
                return address + offset - first
        raise OSError(f"heap offset {offset} outside the fractal heap")

    return locate


def _dense_attributes(data: bytes, info: int, seen: list) -> list[int]:
    """Offsets of the attribute messages a dense-storage Attribute Info message indexes."""
    skip = 2 if data[info + 1] & 1 else 0
    (heap_at,), (btree_at,) = _Q(data, info + 2 + skip), _Q(data, info + 10 + skip)
    if heap_at == _UNDEFINED or btree_at == _UNDEFINED:
        return []
    if data[heap_at : heap_at + 4] != b"FRHP" or data[btree_at : btree_at + 4] != b"BTHD":
        raise OSError("broken dense attribute storage")
    locate = _heap_locator(data, heap_at, seen)
    offset_size = (_H(data, heap_at + 128)[0] + 7) // 8
    out = []
    for heap_id in _name_index_records(data, btree_at, seen):
        if data[heap_id] & 0x30:  # not a managed object (huge or tiny)
            raise Unresolved("attribute stored as a huge or tiny heap object")
        out.append(locate(int.from_bytes(data[heap_id + 1 : heap_id + 1 + offset_size], "little")))
    return out


def _name_index_records(data: bytes, btree_at: int, seen: list) -> list[int]:
    """File offsets of the records of an attribute name index (v2 B-tree, depth 0 or 1)."""
    (node_size,), (record_size,) = _I(data, btree_at + 6), _H(data, btree_at + 10)
    (depth,), (root,), (count,) = (
        _H(data, btree_at + 12),
        _Q(data, btree_at + 16),
        _H(data, btree_at + 24),
    )
    if data[btree_at + 5] != 8:
        raise Unresolved("not an attribute name index")
    seen.append((btree_at, 26))
    if depth == 0:
        return _leaf(data, root, count, record_size, seen)
    if depth > 1:
        raise Unresolved("attribute name index deeper than two levels")
    if data[root : root + 4] != b"BTIN":
        raise OSError("broken attribute name index")
    # child pointers: address, then a record count as wide as a full leaf's count needs
    width = (((node_size - 10) // record_size).bit_length() + 7) // 8
    records = [root + 6 + i * record_size for i in range(count)]
    pointer = root + 6 + count * record_size
    for _ in range(count + 1):
        child, n = _u(data, pointer, 8), _u(data, pointer + 8, width)
        records += _leaf(data, child, n, record_size, seen)
        pointer += 8 + width
    seen.append((root, pointer - root))
    return records


def _leaf(data: bytes, at: int, count: int, record_size: int, seen: list) -> list[int]:
    if data[at : at + 4] != b"BTLF":
        raise OSError("broken attribute name index")
    seen.append((at, 6 + count * record_size))
    return [at + 6 + i * record_size for i in range(count)]


def _attribute_messages(data: bytes, header: int, seen: list) -> Iterator[int]:
    """Yield the offsets of the live attribute messages of the object header at ``header``."""
    for kind, body, _ in _header_messages(data, header, seen):
        if kind == _ATTRIBUTE:
            yield body
        elif kind == _ATTRIBUTE_INFO:
            yield from _dense_attributes(data, body, seen)


def _name(data: bytes, at: int) -> tuple[bytes, int, int, int]:
    """Return the name and the datatype, dataspace and value offsets of an attribute message."""
    version = data[at]
    name_size, dt_size, ds_size = unpack_from("<HHH", data, at + 2)
    if version == 1:
        pad = lambda n: (n + 7) & ~7  # noqa: E731 - version 1 aligns its parts to 8 bytes
        name_at = at + 8
        dt = name_at + pad(name_size)
        ds = dt + pad(dt_size)
        value = ds + pad(ds_size)
    elif version in (2, 3):
        if data[at + 1] & 0x03:
            raise Unresolved("attribute with a shared datatype or dataspace")
        name_at = at + (9 if version == 3 else 8)
        dt = name_at + name_size
        ds, value = dt + dt_size, dt + dt_size + ds_size
    else:
        raise Unresolved(f"attribute message version {version}")
    return data[name_at : name_at + name_size].rstrip(b"\0"), dt, ds, value


def _value(data: bytes, dt: int, ds: int, at: int, size_len: int) -> str | float | int:
    """Decode a scalar (or one-element) attribute value whose datatype starts at ``dt``."""
    cls_version, bits, _, _, size = unpack_from("<BBBBI", data, dt)
    cls = cls_version & 0x0F
    ds_version, rank, _, kind = data[ds : ds + 4]
    if ds_version not in (1, 2) or (ds_version == 2 and kind not in (0, 1)):
        raise Unresolved("dataspace")
    count, dim = 1, ds + (8 if ds_version == 1 else 4)
    for _ in range(rank):
        count *= unpack_from("<Q", data, dim)[0]
        dim += size_len
    if count != 1:
        raise Unresolved("not a scalar attribute")
    raw = data[at : at + size]
    if len(raw) != size:
        raise OSError("truncated HDF5 file: an attribute value runs past the end")
    if cls == 3:  # fixed-length string
        return raw.split(b"\0", 1)[0].decode("utf-8")
    if cls == 1 and size in (4, 8):
        return struct.unpack((">" if bits & 1 else "<") + ("f" if size == 4 else "d"), raw)[0]
    if cls == 0 and size in (1, 2, 4, 8):
        return int.from_bytes(raw, "big" if bits & 1 else "little", signed=bool(bits & 8))
    raise Unresolved(f"attribute of datatype class {cls}")


class AttributeReader:
    """Reads named root attributes, reusing the layout of files it has walked before.

    Products from one writer share their attribute index byte for byte: when every byte range
    the walk of an earlier file decided on (object header, heap header, name index, the
    wanted messages' headers and names) is equal in a new file, the new file's attributes sit
    where the earlier ones did, and only their values are decoded (~10 µs instead of ~40).
    """

    def __init__(self, names: Iterable[str], keep: int = 4) -> None:
        self._wanted = {n.encode(): n for n in names}
        self._keep = keep
        self._layouts: list[tuple[tuple, dict]] = []
        """Recent ``(((offset, bytes), ...), {name: (datatype, dataspace, value offsets)})``."""

    def read(self, data: bytes) -> dict[str, str | float | int]:
        """Return those wanted attributes the root group has (absent ones are left out).

        Raises:
            OSError: the bytes are not a (complete) HDF5 file.
            Unresolved: the file uses a layout this reader does not decode.
        """
        size_len, root = check_superblock(data)
        try:
            for ranges, where in self._layouts:
                if all(data[at : at + len(b)] == b for at, b in ranges):
                    return {n: _value(data, *w, size_len) for n, w in where.items()}
            seen = _superblock_ranges(data)
            where = {}
            for at in _attribute_messages(data, root, seen):
                raw, dt, ds, value = _name(data, at)
                name = self._wanted.get(raw)
                if name is not None:
                    where[name] = (dt, ds, value)
                    seen.append((at, dt - at))  # the message header and its name
            out = {n: _value(data, *w, size_len) for n, w in where.items()}
        except (IndexError, struct.error, UnicodeDecodeError) as e:  # offsets past the end, ...
            raise OSError(f"corrupt HDF5 metadata: {e}") from e
        ranges = tuple((at, data[at : at + n]) for at, n in seen)
        self._layouts = [(ranges, where), *self._layouts[: self._keep - 1]]
        return out


def read_attributes(data: bytes, names: Iterable[str]) -> dict[str, str | float | int]:
    """Return those of the root group's scalar attributes named in ``names`` (absent: left out).

    Raises:
        OSError: the bytes are not a (complete) HDF5 file.
        Unresolved: the file uses a layout this reader does not decode.
    """
    return AttributeReader(names).read(data)
