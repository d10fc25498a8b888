"""Application payloads for the L7 captures and the benchmark mix: HTTP,
TLS, SSH, BitTorrent (peer wire, uTP, DHT, tracker), DHCP, SSDP, and the
close negatives (SMTP, FTP, DNS, RTSP, SIP, memcached, random bytes)."""
import struct

# --- HTTP --------------------------------------------------------------------


def http_request(method, path, version="HTTP/1.1", host="www.example.com", body=b"", headers=()):
    lines = ["%s %s %s" % (method, path, version)]
    if version != "HTTP/1.0" or host:
        lines.append("Host: %s" % host)
    lines.append("User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0")
    lines.append("Accept: */*")
    lines.extend(headers)
    if body:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def http_response(status=200, reason="OK", version="HTTP/1.1", body=b"", ctype="text/html",
                  headers=()):
    lines = ["%s %d %s" % (version, status, reason), "Server: nginx/1.22.1",
             "Date: Tue, 14 Nov 2023 22:13:20 GMT", "Content-Type: %s" % ctype,
             "Content-Length: %d" % len(body)]
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def html(rng, n):
    words = [b"flow", b"zoo", b"packet", b"elephant", b"mouse", b"tortoise", b"the", b"of"]
    out = b"<!DOCTYPE html><html><head><title>flowzoo</title></head><body><p>"
    while len(out) < n - 20:
        out += rng.choice(words) + b" "
    return out[:n - 18] + b"</p></body></html>"


# --- TLS ---------------------------------------------------------------------
SSL3, TLS10, TLS11, TLS12, TLS13 = 0x0300, 0x0301, 0x0302, 0x0303, 0x0304


def _ext(typ, data):
    return struct.pack("!HH", typ, len(data)) + data


def _record(ctype, version, body):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def _handshake(htype, body):
    return struct.pack("!B", htype) + len(body).to_bytes(3, "big") + body


def tls_client_hello(rng, record_version, client_version, sni="www.example.com", tls13=False, pad_to=0):
    """A TLS record carrying a ClientHello. For TLS 1.3 the legacy versions are
    1.2 and supported_versions lists 1.3 (RFC 8446). pad_to adds a padding
    extension (RFC 7685) so that the record is about that long, as browsers
    with large post-quantum key shares send it (more than one TCP segment)."""
    suites = [0x1301, 0x1302, 0x1303] if tls13 else []
    suites += [0xC02B, 0xC02F, 0xC00A, 0x0035, 0x002F, 0x000A]
    if client_version == SSL3:
        suites = [0x0035, 0x002F, 0x000A, 0x0005, 0x0004]
    body = struct.pack("!H", client_version) + rng.randbytes(32)
    sid = rng.randbytes(32) if tls13 else b""
    body += struct.pack("!B", len(sid)) + sid
    body += struct.pack("!H", 2 * len(suites)) + struct.pack("!%dH" % len(suites), *suites)
    body += b"\x01\x00"  # compression: null
    if client_version != SSL3:
        name = sni.encode()
        exts = _ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
        exts += _ext(10, struct.pack("!HHHH", 6, 0x001D, 0x0017, 0x0018))  # supported groups
        exts += _ext(11, b"\x01\x00")  # ec point formats
        exts += _ext(13, struct.pack("!HHHHH", 8, 0x0403, 0x0804, 0x0401, 0x0201))
        if tls13:
            exts += _ext(43, struct.pack("!BHH", 4, TLS13, TLS12))  # supported_versions
            key = rng.randbytes(32)
            exts += _ext(51, struct.pack("!HHH", 36, 0x001D, 32) + key)  # key_share
        if pad_to:
            exts += _ext(21, b"\0" * max(0, pad_to - len(body) - len(exts) - 15))
        body += struct.pack("!H", len(exts)) + exts
    return _record(22, record_version, _handshake(1, body))


def tls_server_hello(rng, record_version, server_version, tls13=False, cert_len=0):
    """ServerHello (and, with cert_len, a Certificate message of that size in
    the same record as TLS <= 1.2 servers send it)."""
    legacy = TLS12 if tls13 else server_version
    body = struct.pack("!H", legacy) + rng.randbytes(32)
    sid = rng.randbytes(32)
    body += struct.pack("!B", len(sid)) + sid
    body += struct.pack("!HB", 0x1301 if tls13 else 0xC02F, 0)
    if tls13:
        exts = _ext(43, struct.pack("!H", TLS13))
        exts += _ext(51, struct.pack("!HH", 0x001D, 32) + rng.randbytes(32))
        body += struct.pack("!H", len(exts)) + exts
    msgs = _handshake(2, body)
    if cert_len and not tls13:
        cert = rng.randbytes(cert_len)
        clist = len(cert).to_bytes(3, "big") + cert
        msgs += _handshake(11, len(clist).to_bytes(3, "big") + clist)
    out = _record(22, record_version, msgs)
    if tls13:  # ChangeCipherSpec, then encrypted extensions as application data
        out += _record(20, TLS12, b"\x01")
        out += _record(23, TLS12, rng.randbytes(cert_len or 60))
    return out


def tls_app_data(rng, n, version=TLS12):
    return _record(23, version, rng.randbytes(n))


def tls_client_finish(rng, version=TLS12):
    return _record(20, version, b"\x01") + _record(22, version, rng.randbytes(40))


# --- SSH ---------------------------------------------------------------------


def ssh_kexinit(rng):
    names = [b"curve25519-sha256,ecdh-sha2-nistp256", b"ssh-ed25519,rsa-sha2-512",
             b"chacha20-poly1305@openssh.com,aes128-ctr", b"chacha20-poly1305@openssh.com,aes128-ctr",
             b"hmac-sha2-256", b"hmac-sha2-256", b"none,zlib@openssh.com", b"none,zlib@openssh.com",
             b"", b""]
    payload = b"\x14" + rng.randbytes(16)
    for n in names:
        payload += struct.pack("!I", len(n)) + n
    payload += b"\x00" + b"\x00\x00\x00\x00"
    pad = 8 - (len(payload) + 5) % 8
    if pad < 4:
        pad += 8
    return struct.pack("!IB", len(payload) + pad + 1, pad) + payload + b"\0" * pad


# --- BitTorrent --------------------------------------------------------------


def bt_handshake(info_hash, peer_id):
    return b"\x13BitTorrent protocol" + b"\0\0\0\0\0\x10\0\x05" + info_hash + peer_id


def bt_bitfield(rng, n):
    return struct.pack("!IB", n + 1, 5) + rng.randbytes(n)


def utp_packet(typ, conn_id, seq, ack, ts=0, data=b""):
    """A uTP (BEP 29) packet: type in the high nibble, version 1."""
    return struct.pack("!BBHIIIHH", (typ << 4) | 1, 0, conn_id, ts, 0, 1048576, seq, ack) + data


UTP_DATA, UTP_FIN, UTP_STATE, UTP_RESET, UTP_SYN = 0, 1, 2, 3, 4


def _bstr(b):
    return str(len(b)).encode() + b":" + b


def dht_query(node_id, tid, q=b"ping", target=None):
    args = b"2:id" + _bstr(node_id)
    if target is not None:
        args += b"9:info_hash" + _bstr(target)
    return b"d1:ad" + args + b"e1:q" + _bstr(q) + b"1:t" + _bstr(tid) + b"1:y1:qe"


def dht_response(node_id, tid, nodes=b""):
    r = b"2:id" + _bstr(node_id)
    if nodes:
        r += b"5:nodes" + _bstr(nodes)
    return b"d1:rd" + r + b"e1:t" + _bstr(tid) + b"1:y1:re"


def _urlenc(b):
    return "".join(chr(c) if chr(c).isalnum() else "%%%02X" % c for c in b)


def tracker_get(info_hash, peer_id, port=51413, host="tracker.example.org:6969"):
    path = ("/announce?info_hash=%s&peer_id=%s&port=%d&uploaded=0&downloaded=0&left=1048576"
            "&corrupt=0&key=5A3C1B2E&event=started&numwant=80&compact=1&no_peer_id=1"
            % (_urlenc(info_hash), _urlenc(peer_id), port))
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Transmission/3.00\r\n"
            "Accept: */*\r\nAccept-Encoding: gzip;q=1.0, deflate, identity\r\n\r\n" % (path, host)).encode()


def tracker_reply(peers):
    body = b"d8:completei5e10:incompletei3e8:intervali1800e12:min intervali900e5:peers" + _bstr(peers) + b"e"
    return http_response(body=body, ctype="text/plain")


def udp_tracker_connect(tid):
    """A UDP tracker connect request (BEP 15): protocol id, action 0."""
    return struct.pack("!QII", 0x41727101980, 0, tid)


def udp_tracker_connect_reply(tid, conn_id):
    return struct.pack("!IIQ", 0, tid, conn_id)


# --- DHCP --------------------------------------------------------------------
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5


def dhcp(op, msg_type, xid, chaddr, ciaddr="0.0.0.0", yiaddr="0.0.0.0", siaddr="0.0.0.0",
         server_id=None, requested=None, cookie=True):
    """A BOOTP message with the DHCP magic cookie and options (RFC 2131);
    cookie=False gives a plain BOOTP request (RFC 951) without options."""
    from .packet import addr
    body = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000 if op == 1 else 0,
                       addr(ciaddr), addr(yiaddr), addr(siaddr), addr("0.0.0.0"),
                       chaddr + b"\0" * 10, b"", b"")
    if not cookie:
        return body + b"\0" * 64  # the 64-byte vendor area, empty
    opts = b"\x63\x82\x53\x63" + bytes([53, 1, msg_type])
    if server_id:
        opts += bytes([54, 4]) + addr(server_id)
    if requested:
        opts += bytes([50, 4]) + addr(requested)
    if op == 1:
        opts += bytes([55, 4, 1, 3, 6, 15]) + bytes([12, 6]) + b"laptop"
    else:
        opts += bytes([51, 4]) + struct.pack("!I", 86400) + bytes([1, 4, 255, 255, 255, 0])
    opts += b"\xff"
    msg = body + opts
    return msg + b"\0" * max(0, 300 - len(msg))


# --- SSDP --------------------------------------------------------------------


def ssdp_msearch(host="239.255.255.250:1900", st="ssdp:all"):
    return ("M-SEARCH * HTTP/1.1\r\nHOST: %s\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: %s\r\n"
            "USER-AGENT: Linux/6.1 UPnP/1.1 flowzoo/0.1\r\n\r\n" % (host, st)).encode()


def ssdp_notify(uuid, location, nts="ssdp:alive", host="239.255.255.250:1900"):
    return ("NOTIFY * HTTP/1.1\r\nHOST: %s\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: %s\r\n"
            "NT: upnp:rootdevice\r\nNTS: %s\r\nSERVER: Linux/5.10 UPnP/1.0 MiniUPnPd/2.3\r\n"
            "USN: uuid:%s::upnp:rootdevice\r\n\r\n" % (host, location, nts, uuid)).encode()


def ssdp_reply(uuid, location, st="upnp:rootdevice"):
    return ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nDATE: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
            "EXT:\r\nLOCATION: %s\r\nSERVER: Linux/5.10 UPnP/1.0 MiniUPnPd/2.3\r\nST: %s\r\n"
            "USN: uuid:%s::%s\r\n\r\n" % (location, st, uuid, st)).encode()


# --- close negatives ---------------------------------------------------------


def dns_query(tid, name, qtype=1):
    q = b"".join(_label(p) for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)


def dns_response(tid, name, ip):
    from .packet import addr
    q = b"".join(_label(p) for p in name.split(".")) + b"\0"
    return (struct.pack("!HHHHHH", tid, 0x8180, 1, 1, 0, 0) + q + struct.pack("!HH", 1, 1)
            + struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + addr(ip))


def _label(s):
    return bytes([len(s)]) + s.encode()


def random_bytes(rng, n):
    """Bytes that start with 0x8f so that they cannot look like the start of
    a TLS record, a uTP header or a bencoded dictionary."""
    return b"\x8f" + rng.randbytes(n - 1)
