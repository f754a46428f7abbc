#!/usr/bin/env python3
"""Serial (concurrency 1) latency probe for bench/load/run.sh.

One keep-alive connection per target, sequential requests, rounds interleaved across targets
so that a noisy moment of the machine hits every target alike. Standard library only.

The default client ("raw") writes a prebuilt HTTP/1.1 request on a TCP_NODELAY socket and
parses the response itself (Content-Length or chunked): ~20-30 us of client cost per request
instead of ~50-60 us for http.client, which matters when the budget is 0.03 ms.
"--client httpclient" uses http.client instead.

For every request it records, in nanoseconds from just before the request is written:
  total  until the whole body has been read
  ttfb   until the first byte of the response body is available (for SSE: the first event)

Each response is checked: status 200; for JSON a body that parses with choices[0].message;
for SSE a text/event-stream content type and a body that ends with "data: [DONE]". The
first response of each target is checked in full (JSON parse, SSE event count). Failures
are counted as errors, and the first one is described in the output.

Output: one TSV line per target, prefixed with "PROBE", fields as in HEADER below (ms).
"""

import argparse
import http.client
import json
import socket
import sys
import time


class RawResponse:
    __slots__ = ("status", "headers", "will_close")

    def getheader(self, name, default=None):
        return self.headers.get(name.lower(), default)


class RawConnection:
    """Minimal keep-alive HTTP/1.1 client: one prebuilt request, Content-Length or chunked responses."""

    def __init__(self, port, path, headers, body):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        self.buf = b""

    def close(self):
        self.sock.close()

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by peer")
        self.buf += data

    def roundtrip(self):
        """-> (response, body, t_first_body_byte_ns, t_end_ns, t_start_ns)"""
        t0 = time.perf_counter_ns()
        self.sock.sendall(self.request)
        while True:
            self._more()
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                break
        head = self.buf[:i].decode("latin-1").split("\r\n")
        buf = self.buf[i + 4:]
        self.buf = b""
        r = RawResponse()
        r.status = int(head[0].split(" ", 2)[1])
        r.headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            r.headers[k.strip().lower()] = v.strip()
        r.will_close = r.headers.get("connection", "").lower() == "close"
        t1 = None
        if buf:
            t1 = time.perf_counter_ns()
        self.buf = buf
        if "chunked" in r.headers.get("transfer-encoding", "").lower():
            body, pos = bytearray(), 0
            while True:
                while (j := self.buf.find(b"\r\n", pos)) < 0:
                    self._more()
                    t1 = t1 or time.perf_counter_ns()
                size = int(self.buf[pos:j].split(b";")[0], 16)
                pos = j + 2
                if size == 0:
                    while (j := self.buf.find(b"\r\n", pos)) < 0:  # trailers end with an empty line
                        self._more()
                    while j != pos:
                        pos = j + 2
                        while (j := self.buf.find(b"\r\n", pos)) < 0:
                            self._more()
                    pos = j + 2
                    break
                while len(self.buf) < pos + size + 2:
                    self._more()
                    t1 = t1 or time.perf_counter_ns()
                body += self.buf[pos:pos + size]
                pos += size + 2
            self.buf = self.buf[pos:]
            body = bytes(body)
        else:
            n = int(r.headers.get("content-length", "0"))
            while len(self.buf) < n:
                self._more()
                t1 = t1 or time.perf_counter_ns()
            body, self.buf = self.buf[:n], self.buf[n:]
        t2 = time.perf_counter_ns()
        return r, body, (t1 or t2), t2, t0

HEADER = ["PROBE", "mode", "target", "n", "errors", "p50", "p90", "p99", "mean",
          "ttfb_p50", "ttfb_p90", "ttfb_p99", "gw_overhead_hdr_p50", "check"]


class Target:
    def __init__(self, spec, mode, client):
        # name,port,path,bodyfile[,token]
        parts = spec.split(",")
        if len(parts) < 4:
            raise SystemExit(f"bad --target {spec!r}: want name,port,path,bodyfile[,token]")
        self.name, port, self.path, body_file = parts[:4]
        self.port = int(port)
        self.token = parts[4] if len(parts) > 4 else ""
        self.mode = mode
        self.client = client
        with open(body_file, "rb") as f:
            self.body = f.read()
        self.headers = {"Content-Type": "application/json",
                        "Accept": "application/json, text/event-stream"}
        if self.token:
            self.headers["Authorization"] = "Bearer " + self.token
        self.conn = None
        self.total = []
        self.ttfb = []
        self.overhead_hdr = []
        self.errors = 0
        self.first_error = ""
        self.check = "unchecked"

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        if self.client == "raw":
            self.conn = RawConnection(self.port, self.path, self.headers, self.body)
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.conn.connect()

    def error(self, what):
        self.errors += 1
        if not self.first_error:
            self.first_error = what[:300].replace("\t", " ").replace("\n", "\\n")

    def one(self, record, full_check):
        try:
            if self.conn is None:
                self.connect()
            if self.client == "raw":
                resp, body, t1, t2, t0 = self.conn.roundtrip()
            else:
                t0 = time.perf_counter_ns()
                self.conn.request("POST", self.path, body=self.body, headers=self.headers)
                resp = self.conn.getresponse()
                first = resp.read1(1)
                t1 = time.perf_counter_ns()
                body = first + resp.read()
                t2 = time.perf_counter_ns()
        except (OSError, ValueError, IndexError, http.client.HTTPException) as e:
            self.error(f"{type(e).__name__}: {e}")
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return
        if resp.will_close:
            self.conn.close()
            self.conn = None
        if resp.status != 200:
            self.error(f"HTTP {resp.status}: {body[:200]!r}")
            return
        ctype = resp.getheader("Content-Type", "")
        if self.mode == "sse":
            if not ctype.startswith("text/event-stream"):
                self.error(f"SSE content-type {ctype!r}")
                return
            if not body.rstrip().endswith(b"data: [DONE]"):
                self.error(f"SSE body does not end with data: [DONE]: ...{body[-120:]!r}")
                return
        if full_check:
            try:
                if self.mode == "sse":
                    events = [ln for ln in body.split(b"\n") if ln.startswith(b"data:")]
                    payloads = [json.loads(e[5:]) for e in events[:-1]]
                    usage = [p for p in payloads if p.get("usage")]
                    self.check = f"ok sse events={len(events)} usage_events={len(usage)} bytes={len(body)}"
                else:
                    doc = json.loads(body)
                    msg = doc["choices"][0]["message"]
                    self.check = f"ok json bytes={len(body)} model={doc.get('model')} content_len={len(msg.get('content') or '')}"
                    # The gateway's price for the answer: "unknown" would mean nothing was billed, and a billed answer
                    # (the common case) also waits for its ledger row, which the probe is meant to include.
                    cost = resp.getheader("x-switchyard-cost-usd")
                    if cost:
                        self.check += f" cost_usd={cost}"
            except (ValueError, KeyError, IndexError, TypeError) as e:
                self.error(f"body check failed: {type(e).__name__}: {e}: {body[:200]!r}")
                self.check = "FAILED"
                return
        if record:
            self.total.append(t2 - t0)
            self.ttfb.append(t1 - t0)
            oh = resp.getheader("x-switchyard-overhead-ms")
            if oh:
                try:
                    self.overhead_hdr.append(float(oh))
                except ValueError:
                    pass

    def run_for(self, seconds, record):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.one(record, full_check=(self.check == "unchecked"))
            if self.errors > 50 and not self.total:
                return  # broken target: don't spin


def pct(sorted_ns, p):
    if not sorted_ns:
        return float("nan")
    k = max(0, min(len(sorted_ns) - 1, int(round(p / 100.0 * len(sorted_ns) + 0.5)) - 1))
    return sorted_ns[k] / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["json", "sse"], required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.0, help="per target per round")
    ap.add_argument("--warmup", type=float, default=0.5, help="seconds per target before round 1")
    ap.add_argument("--target", action="append", required=True, help="name,port,path,bodyfile[,token]")
    ap.add_argument("--client", choices=["raw", "httpclient"], default="raw")
    ap.add_argument("--hold-cpu-awake", action="store_true",
                    help="write 0 to /dev/cpu_dma_latency while probing (root): idle CPUs poll instead of halting, "
                         "so wake-up latency of an idle vCPU does not swamp a 0.01-0.03 ms difference")
    ap.add_argument("--header", action="store_true", help="print the column header first")
    a = ap.parse_args()

    qos = None
    if a.hold_cpu_awake:
        try:
            qos = open("/dev/cpu_dma_latency", "wb", buffering=0)
            qos.write((0).to_bytes(4, "little"))  # held until the file is closed (process exit)
        except OSError as e:
            print(f"probe: cannot hold /dev/cpu_dma_latency: {e}", file=sys.stderr)
            qos = None
    targets = [Target(s, a.mode, a.client) for s in a.target]
    for t in targets:
        t.run_for(a.warmup, record=False)
    for _ in range(a.rounds):
        for t in targets:
            t.run_for(a.seconds, record=True)
    for t in targets:
        if t.conn is not None:
            t.conn.close()
    if qos is not None:
        qos.close()

    if a.header:
        print("\t".join(HEADER))
    for t in targets:
        tot = sorted(t.total)
        ttf = sorted(t.ttfb)
        oh = sorted(t.overhead_hdr)
        mean = (sum(tot) / len(tot) / 1e6) if tot else float("nan")
        check = t.check if not t.first_error else f"{t.check}; first error: {t.first_error}"
        row = ["PROBE", a.mode, t.name, str(len(tot)), str(t.errors),
               f"{pct(tot, 50):.4f}", f"{pct(tot, 90):.4f}", f"{pct(tot, 99):.4f}", f"{mean:.4f}",
               f"{pct(ttf, 50):.4f}", f"{pct(ttf, 90):.4f}", f"{pct(ttf, 99):.4f}",
               f"{oh[len(oh) // 2]:.4f}" if oh else "-", check]
        print("\t".join(row))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
