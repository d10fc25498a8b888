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
