"""Classic pcap files: Ethernet link type, microsecond timestamps."""
import struct

MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1
SNAPLEN = 65535

FILE_HEADER = struct.pack("<IHHiIII", MAGIC, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET)
_REC = struct.Struct("<IIII")


def record(ts_us, data, orig_len=None):
    """One packet record (header and bytes) as a bytes object."""
    if orig_len is None:
        orig_len = len(data)
    return _REC.pack(ts_us // 1000000, ts_us % 1000000, len(data), orig_len) + data


def write(path, packets):
    """Write packets, an iterable of (ts_us, frame) or (ts_us, frame, orig_len)."""
    parts = [FILE_HEADER]
    for p in packets:
        parts.append(record(*p))
    with open(path, "wb") as f:
        f.write(b"".join(parts))


def read(path):
    """Read a pcap written by this module; returns a list of (ts_us, frame, orig_len).

    Raises ValueError when the file is not a little-endian microsecond pcap of
    link type Ethernet or when a record runs past the end of the file.
    """
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: shorter than a pcap header" % path)
    magic, vmaj, vmin, _, _, _, linktype = struct.unpack_from("<IHHiIII", data, 0)
    if magic != MAGIC or (vmaj, vmin) != (2, 4) or linktype != LINKTYPE_ETHERNET:
        raise ValueError("%s: not a v2.4 microsecond Ethernet pcap" % path)
    out = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("%s: truncated record header at %d" % (path, off))
        sec, usec, incl, orig = _REC.unpack_from(data, off)
        off += 16
        if off + incl > len(data):
            raise ValueError("%s: truncated record at %d" % (path, off))
        out.append((sec * 1000000 + usec, data[off:off + incl], orig))
        off += incl
    return out
