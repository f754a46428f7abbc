#!/usr/bin/env python3
"""Print the report of one bench/load/run.sh TSV: tables, same-run ratios, and the targets.

Usage: bench/load/report.py bench/results/load-<stamp>.tsv
"""

import math
import sys

# Targets of the issue (gateway vs the rig measured in the same run).
T_THROUGHPUT_VS_HOP = 0.8      # gateway req/s >= 0.8 x nginx hop req/s, same mode and connections
T_GW_CPU_US = 20.0             # gateway CPU per request, microseconds
T_ADDED_P50_MS = 0.03          # c=1 added latency vs direct
T_ADDED_P99_MS = 0.15
T_ADDED_TTFB_MS = 0.05         # c=1 SSE: added time to first body byte vs direct (p50)
T_RSS_MIB = 100.0              # peak RSS under load


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def fmt(x, nd=3, sign=False):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:+.{nd}f}" if sign else f"{x:.{nd}f}"


def table(headers, rows, right=None):
    right = right if right is not None else set(range(2, len(headers)))
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    meta, rows, cols = [], [], None
    for raw in open(sys.argv[1], encoding="utf-8"):
        raw = raw.rstrip("\n")
        if not raw:
            continue
        if raw.startswith("#"):
            meta.append(raw[1:].strip())
            continue
        f = raw.split("\t")
        if cols is None:
            cols = f
            continue
        rows.append(dict(zip(cols, f)))

    for m in meta:
        print(m)
    print()

    load = [r for r in rows if r["kind"] == "load"]
    probe = [r for r in rows if r["kind"] == "probe"]
    order = {"direct": 0, "hop": 1, "relay": 2, "gateway": 3}
    morder = {"json": 0, "sse": 1, "embed": 2}

    if load:
        load.sort(key=lambda r: (morder.get(r["mode"], 9), int(r["conns"]), order.get(r["target"], 9)))
        print("Throughput under load (wrk, closed loop; latency from wrk's histogram, ms)")
        hdr = ["target", "mode", "conns", "req/s", "p50", "p90", "p99", "non2xx", "sock_err", "B/resp",
               "gw CPU us/req", "nginx CPU us/req", "box cores", "wrk cores", "other cores", "steal", "peak RSS MiB",
               "alloc B/req", "GC/s g0/g1/g2", "GC pause %"]
        out = []
        for r in load:
            rss = r["rss_peak_mib"] + {"gateway": " (gw)", "relay": " (relay)"}.get(r["target"], " (nginx)")
            out.append([r["target"], r["mode"], r["conns"], f"{int(num(r['req_s'])):,}" if r["req_s"] not in ("-", "0") else r["req_s"],
                        r["p50_ms"], r["p90_ms"], r["p99_ms"], r["non2xx"], r["sock_err"], r["bytes_per_req"],
                        r["gw_cpu_us_req"], r["nginx_cpu_us_req"], r["box_cores"], r.get("wrk_cores", "-"),
                        r.get("other_cores", "-") + (" !" if num(r.get("other_cores")) > 0.2 else ""),
                        r.get("steal_cores", "-") + (" !" if num(r.get("steal_cores")) > 0.1 else ""), rss,
                        r.get("alloc_b_req", "-"),
                        "/".join(r.get(k, "-") for k in ("gc0_s", "gc1_s", "gc2_s")) if r.get("gc0_s", "-") != "-" else "-",
                        r.get("gc_pause_pct", "-")])
        print(table(hdr, out))
        print("  gw CPU = the gateway process (for the relay row: the relay); nginx CPU = all nginx processes (mock only for direct/gateway,")
        print("  proxy + mock for hop); box cores = busy CPU of the whole machine incl. wrk; B/resp = bytes read")
        print("  by wrk per response incl. headers; wrk cores = the load generator; other cores = busy CPU of")
        print("  processes outside the bench; steal = CPU the hypervisor gave to others (\"!\": the point was disturbed).")
        print("  alloc B/req, GC/s, GC pause % = the gateway's managed allocation per request, collections per second")
        print("  and share of wall time in GC pauses (dotnet-counters, when installed; per-second means inside the run).")
        print()

    p = {(r["mode"], r["target"]): r for r in probe}
    if probe:
        print("Serial probe, concurrency 1 (probe.py: one keep-alive connection, sequential requests, rounds interleaved; ms.\n  Every row includes the client and kernel round trip; the direct row is that floor, read the differences)")
        hdr = ["target", "mode", "n", "errors", "p50", "p90", "p99", "+p50 vs direct", "+p99 vs direct",
               "+p50 vs hop", "+p99 vs hop", "TTFB p50", "+TTFB p50 vs direct", "TTFB p99"]
        out = []
        for r in sorted(probe, key=lambda r: (morder.get(r["mode"], 9), order.get(r["target"], 9))):
            d = p.get((r["mode"], "direct"))
            h = p.get((r["mode"], "hop"))
            def added(base, col):
                if base is None or base is r:
                    return "-"
                return fmt(num(r[col]) - num(base[col]), 3, sign=True)
            out.append([r["target"], r["mode"], r["requests"], r["non2xx"], r["p50_ms"], r["p90_ms"], r["p99_ms"],
                        added(d, "p50_ms"), added(d, "p99_ms"), added(h, "p50_ms"), added(h, "p99_ms"),
                        r["ttfb_p50_ms"], added(d, "ttfb_p50_ms"), r["ttfb_p99_ms"]])
        print(table(hdr, out))
        for r in probe:
            if r["target"] == "gateway" or r["non2xx"] not in ("0", "-"):
                print(f"  {r['target']} {r['mode']}: {r['note']}")
        print()

    # ---- same-run ratios and targets
    checks = []
    by = {(r["mode"], r["conns"], r["target"]): r for r in load}
    gw_load = [r for r in load if r["target"] == "gateway"]
    for r in gw_load:
        hop = by.get((r["mode"], r["conns"], "hop"))
        direct = by.get((r["mode"], r["conns"], "direct"))
        g = num(r["req_s"])
        if hop:
            ratio = g / num(hop["req_s"]) if num(hop["req_s"]) else math.nan
            checks.append((f"{r['mode']} c={r['conns']}: gateway / hop throughput",
                           f"{ratio:.2f}x ({int(g):,} vs {int(num(hop['req_s'])):,} req/s)"
                           + (f"; vs direct {g / num(direct['req_s']):.2f}x" if direct and num(direct['req_s']) else ""),
                           f">= {T_THROUGHPUT_VS_HOP}x", verdict(ratio >= T_THROUGHPUT_VS_HOP)))
        cpu = num(r["gw_cpu_us_req"])
        checks.append((f"{r['mode']} c={r['conns']}: gateway CPU per request", f"{fmt(cpu, 1)} us",
                       f"<= {T_GW_CPU_US:.0f} us", verdict(cpu <= T_GW_CPU_US)))
        errs = int(num(r["non2xx"]) if r["non2xx"] != "-" else 0) + int(num(r["sock_err"]) if r["sock_err"] != "-" else 0)
        checks.append((f"{r['mode']} c={r['conns']}: non-2xx + socket errors", str(errs), "0", verdict(errs == 0)))
    # the .NET floor (bench/KestrelRelay), for reading the gateway's figures: not a target
    for r in (r for r in load if r["target"] == "relay"):
        hop = by.get((r["mode"], r["conns"], "hop"))
        gw = by.get((r["mode"], r["conns"], "gateway"))
        rr = num(r["req_s"])
        shown = f"{rr / num(hop['req_s']):.2f}x hop" if hop and num(hop["req_s"]) else "-"
        shown += f", {fmt(num(r['gw_cpu_us_req']), 1)} us CPU per request"
        if gw and rr:
            shown += (f"; gateway / relay {num(gw['req_s']) / rr:.2f}x throughput, "
                      f"{num(gw['gw_cpu_us_req']) / num(r['gw_cpu_us_req']):.2f}x CPU per request")
        checks.append((f"{r['mode']} c={r['conns']}: Kestrel + SocketsHttpHandler relay, no gateway work (reference)", shown, "-", "info"))
    if gw_load:
        peak = max(num(r["rss_peak_mib"]) for r in gw_load)
        # judged on the kernel's high-water mark when the run recorded it: sampling misses a GC's short spike
        hwm = next((num(m.split("gateway=", 1)[1]) for m in meta if m.startswith("rss_hwm_mib gateway=")), math.nan)
        shown = f"{peak:.0f} MiB" if math.isnan(hwm) else f"{hwm:.0f} MiB high-water mark (sampled peak {peak:.0f})"
        worst = peak if math.isnan(hwm) else max(peak, hwm)
        checks.append(("gateway peak RSS under load", shown, f"< {T_RSS_MIB:.0f} MiB", verdict(worst < T_RSS_MIB)))
    for mode in ("json", "sse"):
        g, d, h = p.get((mode, "gateway")), p.get((mode, "direct")), p.get((mode, "hop"))
        if not g or not d:
            continue
        a50 = num(g["p50_ms"]) - num(d["p50_ms"])
        a99 = num(g["p99_ms"]) - num(d["p99_ms"])
        extra = ""
        if h:
            extra = f" (vs hop {num(g['p50_ms']) - num(h['p50_ms']):+.3f} / {num(g['p99_ms']) - num(h['p99_ms']):+.3f})"
        checks.append((f"{mode} c=1: gateway added p50 vs direct", f"{a50:+.3f} ms" + extra,
                       f"<= {T_ADDED_P50_MS} ms", verdict(a50 <= T_ADDED_P50_MS)))
        # the rig's own tail: when the direct p99 is many times its p50, something else ran on the
        # machine during the probe and no p99 difference of this run means anything
        noisy = num(d["p99_ms"]) > 5 * num(d["p50_ms"])
        checks.append((f"{mode} c=1: gateway added p99 vs direct", f"{a99:+.3f} ms"
                       + (f" (direct p99 {num(d['p99_ms']):.3f} ms: machine busy)" if noisy else ""),
                       f"<= {T_ADDED_P99_MS} ms", "NOISY" if noisy else verdict(a99 <= T_ADDED_P99_MS)))
        if mode == "sse":
            at = num(g["ttfb_p50_ms"]) - num(d["ttfb_p50_ms"])
            at99 = num(g["ttfb_p99_ms"]) - num(d["ttfb_p99_ms"])
            checks.append(("sse c=1: gateway added time to first byte (p50)", f"{at:+.3f} ms (p99 {at99:+.3f}{', noisy' if noisy else ''})",
                           f"<= {T_ADDED_TTFB_MS} ms", verdict(at <= T_ADDED_TTFB_MS)))
        e = int(num(g["non2xx"]))
        checks.append((f"{mode} c=1: gateway probe errors", str(e), "0", verdict(e == 0)))
    # rig-only figures, useful when the gateway is absent
    for mode in ("json", "sse"):
        d = p.get((mode, "direct"))
        for name, label in (("hop", "nginx hop"), ("relay", "Kestrel + SocketsHttpHandler relay")):
            x = p.get((mode, name))
            if d and x:
                checks.append((f"{mode} c=1: {label} added p50 / p99 vs direct (reference)",
                               f"{num(x['p50_ms']) - num(d['p50_ms']):+.3f} / {num(x['p99_ms']) - num(d['p99_ms']):+.3f} ms", "-", "info"))
    if checks:
        print("Same-run ratios and targets")
        print(table(["figure", "measured", "target", ""], [list(c) for c in checks], right=set()))
    if not gw_load and not p.get(("json", "gateway")):
        print("\n(no gateway figures in this run: only the rig, direct and hop)")


if __name__ == "__main__":
    main()
