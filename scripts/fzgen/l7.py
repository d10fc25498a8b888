"""Captures for the L7 classification tests (issue 3). One capture per
group; every expected record carries the application flowzoo must name."""
import random
import zlib

from . import packet as P
from . import payloads as A
from .capture import Capture

LINGER_S = 2
# A long idle timeout keeps UDP flows whole; the linger and a trailing clock
# flow make every closed TCP flow end tcp_end, and the rest end eof.
ARGS = ["--idle-timeout", "300", "--active-timeout", "1800", "--tcp-linger", str(LINGER_S)]


class Group:
    """A capture being filled with conversations one after another."""

    def __init__(self, seed, name):
        self.rng = random.Random(seed * 1000003 + zlib.crc32(name.encode()))
        self.cap = Capture(ARGS)
        self.t = 0.0
        self.host = 10

    def client(self, v6=False):
        self.host += 1
        return "2001:db8:c::%x" % self.host if v6 else "192.168.1.%d" % self.host

    def eport(self):
        return self.rng.randint(32768, 60999)

    def tcp(self, app, server, sport, msgs, v6=False, midflow=False, cport=None, client=None,
            tags=()):
        """A TCP connection from a new client to server:sport exchanging msgs,
        a list of (from_client, payload). midflow: no handshake is captured."""
        client = client or self.client(v6)
        f = self.cap.flow(client, server, P.PROTO_TCP, cport or self.eport(), sport, tags, app)
        t = self.t
        if not midflow:
            t = f.handshake(t)
        for from_client, payload in msgs:
            t = f.exchange(t + 0.005, from_client, payload)
        f.close(t + 0.005, from_a=msgs[-1][0] if msgs else True)
        f.end("tcp_end")
        self.t += 0.05
        return f

    def udp(self, app, a, b, aport, bport, msgs, tags=()):
        """UDP datagrams between a and b; msgs is a list of (from_a, payload)."""
        f = self.cap.flow(a, b, P.PROTO_UDP, aport, bport, tags, app)
        t = self.t
        for from_a, payload in msgs:
            f.udp(t, from_a, payload)
            t += 0.003
        self.t += 0.05
        return f

    def finish(self):
        """Move the clock past the TCP linger with a trailing UDP flow."""
        f = self.cap.flow("192.0.2.250", "192.0.2.251", P.PROTO_UDP, 9, 9, app="unknown")
        t = self.t + 0.5
        while t <= self.t + 0.5 + LINGER_S + 5:
            f.udp(t, True, b"tick")
            t += 1.0
        return self.cap


def http(seed):
    g = Group(seed, "http")
    r = g.rng
    web = "203.0.113.10"
    for method, ver, port in (("GET", "HTTP/1.1", 80), ("GET", "HTTP/1.0", 80), ("POST", "HTTP/1.1", 80),
                              ("POST", "HTTP/1.0", 8080), ("HEAD", "HTTP/1.1", 80),
                              ("PUT", "HTTP/1.1", 8080), ("DELETE", "HTTP/1.1", 80),
                              ("OPTIONS", "HTTP/1.1", 80), ("PATCH", "HTTP/1.1", 8080),
                              ("TRACE", "HTTP/1.0", 80), ("GET", "HTTP/1.1", 8080),
                              ("GET", "HTTP/1.1", 3128), ("GET", "HTTP/1.1", 1900),
                              ("PROPFIND", "HTTP/1.1", 80)):
        body = A.html(r, r.randint(100, 300)) if method in ("POST", "PUT", "PATCH") else b""
        resp = A.http_response(version=ver, body=A.html(r, r.randint(200, 5000)) if method != "HEAD" else b"")
        g.tcp("http", web, port, [(True, A.http_request(method, "/index.html", ver, body=body)),
                                  (False, resp)])
    g.tcp("http", web, 80, [(True, A.http_request("CONNECT", "mail.example.com:443")),
                            (False, A.http_response(reason="Connection established"))])
    # Keep-alive: two requests on one connection, and HTTP over IPv6.
    g.tcp("http", web, 80, [(True, A.http_request("GET", "/a.css")), (False, A.http_response(body=b"a{}")),
                            (True, A.http_request("GET", "/b.js")), (False, A.http_response(body=b"1;"))])
    g.tcp("http", "2001:db8:80::10", 80, [(True, A.http_request("GET", "/")),
                                          (False, A.http_response(status=404, reason="Not Found"))], v6=True)
    # A UPnP device description fetch on the port the SSDP LOCATION names.
    g.tcp("http", "192.168.1.1", 49152, [(True, A.http_request("GET", "/rootDesc.xml", host="192.168.1.1:49152")),
                                         (False, A.http_response(body=b"<root/>", ctype="text/xml"))])
    return g.finish()


def tls(seed):
    g = Group(seed, "tls")
    r = g.rng
    srv = "203.0.113.20"
    cases = ((A.SSL3, A.SSL3, A.SSL3, False, 443), (A.TLS10, A.TLS10, A.TLS10, False, 443),
             (A.TLS10, A.TLS11, A.TLS11, False, 443), (A.TLS10, A.TLS12, A.TLS12, False, 443),
             (A.TLS12, A.TLS12, A.TLS12, False, 443), (A.TLS10, A.TLS12, A.TLS12, True, 443),
             (A.TLS10, A.TLS12, A.TLS12, True, 8443), (A.TLS10, A.TLS12, A.TLS12, False, 8443),
             (A.TLS10, A.TLS12, A.TLS12, False, 993), (A.SSL3, A.SSL3, A.SSL3, False, 8443))
    for rec_v, hello_v, srv_v, tls13, port in cases:
        srv_rec = A.TLS12 if tls13 else srv_v
        g.tcp("tls", srv, port, [
            (True, A.tls_client_hello(r, rec_v, hello_v, tls13=tls13)),
            (False, A.tls_server_hello(r, srv_rec, srv_v, tls13=tls13, cert_len=r.randint(800, 2500))),
            (True, A.tls_client_finish(r, A.TLS12 if tls13 else srv_v)),
            (True, A.tls_app_data(r, r.randint(100, 600), A.TLS12 if tls13 else srv_v)),
            (False, A.tls_app_data(r, r.randint(500, 4000), A.TLS12 if tls13 else srv_v))])
    # A ClientHello of about 1800 bytes: two TCP segments.
    g.tcp("tls", srv, 443, [(True, A.tls_client_hello(r, A.TLS10, A.TLS12, sni="big.example.com", tls13=True,
                                                      pad_to=1800)),
                            (False, A.tls_server_hello(r, A.TLS12, A.TLS12, tls13=True))])
    g.tcp("tls", "2001:db8:443::20", 443, [(True, A.tls_client_hello(r, A.TLS10, A.TLS12, tls13=True)),
                                           (False, A.tls_server_hello(r, A.TLS12, A.TLS12, tls13=True))],
          v6=True)
    return g.finish()


def ssh(seed):
    g = Group(seed, "ssh")
    r = g.rng
    for server_banner, client_banner, port in (
            (b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n", 22),
            (b"SSH-2.0-OpenSSH_8.4p1\r\n", b"SSH-2.0-PuTTY_Release_0.78\r\n", 2222),
            (b"SSH-1.99-Cisco-1.25\r\n", b"SSH-2.0-libssh2_1.10.0\r\n", 22),
            (b"SSH-2.0-dropbear_2022.83\r\n", b"SSH-2.0-dropbear_2022.83\r\n", 2222),
            (b"SSH-2.0-Go\r\n", b"SSH-2.0-paramiko_3.1.0\r\n", 60022)):
        g.tcp("ssh", "203.0.113.22", port, [(False, server_banner), (True, client_banner),
                                            (False, A.ssh_kexinit(r)), (True, A.ssh_kexinit(r)),
                                            (True, r.randbytes(200))])
    g.tcp("ssh", "2001:db8:22::22", 22, [(False, b"SSH-2.0-OpenSSH_9.6\r\n"), (True, b"SSH-2.0-OpenSSH_9.6\r\n")],
          v6=True)
    return g.finish()


def bittorrent(seed):
    g = Group(seed, "bittorrent")
    r = g.rng
    ih = r.randbytes(20)

    def pid():
        return b"-TR3000-" + bytes(r.choice(b"0123456789abcdef") for _ in range(12))
    for port in (6881, 51413, 80):
        g.tcp("bittorrent", "198.51.100.%d" % (port % 200), port,
              [(True, A.bt_handshake(ih, pid())), (False, A.bt_handshake(ih, pid())),
               (False, A.bt_bitfield(r, 64)), (True, A.bt_bitfield(r, 64))])
    for port in (6969, 80):
        g.tcp("bittorrent", "198.51.100.77", port, [(True, A.tracker_get(ih, pid())),
                                                    (False, A.tracker_reply(r.randbytes(12)))])
    # uTP: SYN, STATE, DATA carrying the peer handshake.
    a, b = g.client(), "198.51.100.90"
    cid = r.randint(1, 65000)
    g.udp("bittorrent", a, b, 6881, 51413, [
        (True, A.utp_packet(A.UTP_SYN, cid, 1, 0)), (False, A.utp_packet(A.UTP_STATE, cid, 100, 1)),
        (True, A.utp_packet(A.UTP_DATA, cid + 1, 2, 100, data=A.bt_handshake(ih, pid()))),
        (False, A.utp_packet(A.UTP_DATA, cid, 101, 2, data=A.bt_handshake(ih, pid())))])
    # A UDP tracker (BEP 15) connect and its reply.
    g.udp("bittorrent", g.client(), "198.51.100.94", g.eport(), 6969,
          [(True, A.udp_tracker_connect(0x1234)), (False, A.udp_tracker_connect_reply(0x1234, r.getrandbits(64)))])
    # DHT: ping and get_peers queries with their responses.
    nid, nid2 = r.randbytes(20), r.randbytes(20)
    g.udp("bittorrent", g.client(), "198.51.100.92", 6881, 6881,
          [(True, A.dht_query(nid, b"aa")), (False, A.dht_response(nid2, b"aa"))])
    g.udp("bittorrent", g.client(), "198.51.100.93", 51413, 25401,
          [(True, A.dht_query(nid, b"gp", b"get_peers", ih)),
           (False, A.dht_response(nid2, b"gp", r.randbytes(26 * 4)))])
    return g.finish()


def dhcp(seed):
    g = Group(seed, "dhcp")
    r = g.rng
    mac = bytes([0x02, 0x42]) + r.randbytes(4)
    xid = r.getrandbits(32)
    srv = "192.168.1.1"
    # Broadcast exchange: client 0.0.0.0:68 -> 255.255.255.255:67 is one flow,
    # the server's broadcasts to port 68 another.
    g.udp("dhcp", "0.0.0.0", "255.255.255.255", 68, 67, [
        (True, A.dhcp(1, A.DISCOVER, xid, mac)),
        (True, A.dhcp(1, A.REQUEST, xid, mac, server_id=srv, requested="192.168.1.77"))])
    g.udp("dhcp", srv, "255.255.255.255", 67, 68, [
        (True, A.dhcp(2, A.OFFER, xid, mac, yiaddr="192.168.1.77", siaddr=srv, server_id=srv)),
        (True, A.dhcp(2, A.ACK, xid, mac, yiaddr="192.168.1.77", siaddr=srv, server_id=srv))])
    # Unicast renewal: one flow both ways.
    g.udp("dhcp", "192.168.1.77", srv, 68, 67, [
        (True, A.dhcp(1, A.REQUEST, xid + 1, mac, ciaddr="192.168.1.77")),
        (False, A.dhcp(2, A.ACK, xid + 1, mac, ciaddr="192.168.1.77", yiaddr="192.168.1.77", server_id=srv))])
    # A relay agent on VLAN 30 talking to the server from port 67.
    g.udp("dhcp", "10.30.0.1", srv, 67, 67, [
        (True, A.dhcp(1, A.DISCOVER, xid + 2, mac)),
        (False, A.dhcp(2, A.OFFER, xid + 2, mac, yiaddr="10.30.0.50", server_id=srv))],
        tags=[(P.TPID_8021Q, 30)])
    return g.finish()


def ssdp(seed):
    g = Group(seed, "ssdp")
    uuid = "4d696e69-444c-164e-9d41-b827eb%06x" % g.rng.getrandbits(24)
    loc = "http://192.168.1.1:49152/rootDesc.xml"
    cl = g.client()
    g.udp("ssdp", cl, "239.255.255.250", 50000, 1900, [(True, A.ssdp_msearch()), (True, A.ssdp_msearch())])
    # The replies are unicast HTTP-looking datagrams from port 1900: SSDP, not HTTP.
    g.udp("ssdp", "192.168.1.1", cl, 1900, 50000, [(True, A.ssdp_reply(uuid, loc))])
    g.udp("ssdp", "192.168.1.1", "239.255.255.250", 1900, 1900, [
        (True, A.ssdp_notify(uuid, loc)), (True, A.ssdp_notify(uuid, loc, "ssdp:byebye"))])
    g.udp("ssdp", "2001:db8:c::99", "ff02::c", 50001, 1900, [(True, A.ssdp_msearch("[FF02::C]:1900"))])
    # A unicast M-SEARCH straight to a device, with its reply: one flow.
    g.udp("ssdp", g.client(), "192.168.1.1", 50002, 1900, [
        (True, A.ssdp_msearch("192.168.1.1:1900", "upnp:rootdevice")), (False, A.ssdp_reply(uuid, loc))])
    return g.finish()


def negatives(seed):
    """Close negatives: all unknown."""
    g = Group(seed, "negatives")
    r = g.rng
    g.tcp("unknown", "203.0.113.25", 80, [(False, b"220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n"),
                                          (True, b"EHLO client.example.org\r\n"),
                                          (False, b"250-mail.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
                                          (True, b"QUIT\r\n"), (False, b"221 2.0.0 Bye\r\n")])
    g.tcp("unknown", "203.0.113.21", 80, [(False, b"220 (vsFTPd 3.0.3)\r\n"), (True, b"USER anonymous\r\n"),
                                          (False, b"331 Please specify the password.\r\n")])
    g.tcp("unknown", "203.0.113.110", 110, [(False, b"+OK Dovecot ready.\r\n"), (True, b"CAPA\r\n")])
    g.tcp("unknown", "203.0.113.54", 554, [
        (True, b"OPTIONS rtsp://203.0.113.54/stream RTSP/1.0\r\nCSeq: 1\r\n\r\n"),
        (False, b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE, SETUP, PLAY\r\n\r\n")])
    g.tcp("unknown", "203.0.113.11", 11211, [(True, b"get user:1001\r\n"), (False, b"END\r\n")])
    g.tcp("unknown", "203.0.113.43", 443, [(True, A.random_bytes(r, 517)), (False, A.random_bytes(r, 1400))])
    g.udp("unknown", g.client(), "9.9.9.9", g.eport(), 53, [
        (True, A.dns_query(0x1234, "www.example.com")), (False, A.dns_response(0x1234, "www.example.com", "93.184.216.34"))])
    g.udp("unknown", g.client(), "9.9.9.9", g.eport(), 53, [(True, A.dns_query(0x4321, "_http._tcp.example.com", 33))])
    g.udp("unknown", g.client(), "203.0.113.60", 5060, 5060, [
        (True, b"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.20:5060\r\nCSeq: 1 INVITE\r\n\r\n"),
        (False, b"SIP/2.0 180 Ringing\r\nCSeq: 1 INVITE\r\n\r\n")])
    g.udp("unknown", g.client(), "198.51.100.99", 6881, 6881, [(True, A.random_bytes(r, 120)),
                                                                (False, A.random_bytes(r, 80))])
    g.udp("unknown", "192.168.1.200", "192.168.1.1", 68, 67, [(True, A.random_bytes(r, 300))])
    # Plain BOOTP (no DHCP magic cookie) is not DHCP.
    g.udp("unknown", "192.168.1.201", "192.168.1.1", 68, 67,
          [(True, A.dhcp(1, 0, r.getrandbits(32), r.randbytes(6), ciaddr="192.168.1.201", cookie=False))])
    g.udp("unknown", g.client(), "239.255.255.250", 50010, 1900, [(True, A.random_bytes(r, 100))])
    return g.finish()


def midflow(seed):
    """The capture starts after the TCP handshake; the server speaks first."""
    g = Group(seed, "midflow")
    r = g.rng
    ih = r.randbytes(20)
    g.tcp("http", "203.0.113.10", 80, [(False, A.http_response(body=A.html(r, 3000))),
                                       (True, A.http_request("GET", "/next.html")),
                                       (False, A.http_response(body=b"ok"))], midflow=True)
    # A body chunk first, then a new request: named from the later packets.
    g.tcp("http", "203.0.113.10", 8080, [(False, A.html(r, 1200)), (True, A.http_request("GET", "/more")),
                                         (False, A.http_response(body=b"more"))], midflow=True)
    g.tcp("tls", "203.0.113.20", 443, [(False, A.tls_server_hello(r, A.TLS12, A.TLS12, cert_len=1500)),
                                       (True, A.tls_client_finish(r)), (True, A.tls_app_data(r, 300))],
          midflow=True)
    g.tcp("ssh", "203.0.113.22", 22, [(False, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n"),
                                      (True, b"SSH-2.0-OpenSSH_9.2p1\r\n"), (False, A.ssh_kexinit(r))],
          midflow=True)
    g.tcp("bittorrent", "198.51.100.5", 6881, [(False, A.bt_handshake(ih, b"-qB4500-" + b"7" * 12)),
                                               (True, A.bt_bitfield(r, 32))], midflow=True)
    return g.finish()


GROUPS = {"l7_http": http, "l7_tls": tls, "l7_ssh": ssh, "l7_bittorrent": bittorrent,
          "l7_dhcp": dhcp, "l7_ssdp": ssdp, "l7_negatives": negatives, "l7_midflow": midflow}


def generate(outdir, seed, names=None):
    """Write every L7 capture (or those named) into outdir; returns the paths."""
    return [GROUPS[name](seed).write(outdir, name, with_app=True) for name in names or GROUPS]
