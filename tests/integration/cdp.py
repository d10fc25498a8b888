"""Headless Chromium driven by the DevTools protocol, with the standard library only.

`chromium --dump-dom --virtual-time-budget` waits for the network to go quiet,
which a page that follows an event stream never does; so the dashboard's test
keeps one page open and reads it over the DevTools protocol instead: the DOM
when it likes (several times, with real time in between), the JavaScript
exceptions and console errors as they happen, and a screenshot.

The WebSocket client is the least the protocol needs (RFC 6455: masked text
frames out; text, continuation, ping and close frames in).
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request


class Browser:
    def __init__(self, chromium, tmp, width=1400, height=2600):
        self.profile = tempfile.mkdtemp(dir=tmp, prefix="chromium.")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + self.profile, "--remote-debugging-port=0",
             "--remote-allow-origins=*", "--window-size=%d,%d" % (width, height),
             "--hide-scrollbars", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        try:
            self._connect()
        except Exception:
            self.close()  # leave no browser behind
            raise

    def _connect(self):
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while time.time() < deadline and not os.path.exists(port_file):
            time.sleep(0.1)
        time.sleep(0.2)
        with open(port_file) as f:
            port = int(f.readline())
        pages = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10))
        url = [p for p in pages if p.get("type") == "page"][0]["webSocketDebuggerUrl"]
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self._handshake(url.split(str(port), 1)[1], port)
        self.next_id = 0
        self.errors = []  # exceptions and console errors of the page, as text
        self.call("Runtime.enable")
        self.call("Log.enable")
        self.call("Page.enable")

    def _handshake(self, path, port):
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise IOError("DevTools closed the connection")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise IOError("DevTools refused the WebSocket: %r" % head[:200])

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise IOError("DevTools closed the connection")
            buf += chunk
        return buf

    def _send(self, text):
        data = text.encode()
        head = bytes([0x81])
        if len(data) < 126:
            head += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _recv(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            op = b0 & 0x0F
            if op == 8:
                raise IOError("DevTools closed the WebSocket")
            if op in (9, 10):  # ping, pong: nothing to do for a client this short-lived
                continue
            message += payload
            if b0 & 0x80:
                return json.loads(message)

    def _event(self, m):
        method, p = m.get("method"), m.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.errors.append("exception: %s" % (d.get("exception", {}).get("description") or d.get("text")))
        elif method == "Runtime.consoleAPICalled" and p.get("type") == "error":
            self.errors.append("console.error: %s" % " ".join(str(a.get("value", a.get("description")))
                                                         for a in p.get("args", [])))
        elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
            self.errors.append("log: %s (%s)" % (p["entry"].get("text"), p["entry"].get("url", "")))

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self._send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            m = self._recv()
            if m.get("id") == my:
                if "error" in m:
                    raise IOError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self._event(m)

    def open(self, url):
        self.call("Page.navigate", url=url)

    def wait_for(self, expression, timeout=30):
        """Until the JavaScript expression is true in the page; whether it became true."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval(expression):
                return True
            time.sleep(0.2)
        return False

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return r.get("result", {}).get("value")

    def dom(self):
        return self.eval("document.documentElement.outerHTML")

    def screenshot(self, path):
        r = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        if self.proc.poll() is not None:
            return
        try:
            if getattr(self, "sock", None):
                self.sock.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)
