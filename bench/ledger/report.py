#!/usr/bin/env python3
"""Prints the report of a bench/ledger/run.sh TSV: the runs, then per mode the on/off ratios of each round and their
median. --tsv-summary prints the summary as TSV rows (run.sh appends them to the file)."""
import statistics
import sys

LIMIT = 1.10  # the budget: p99 with the request log on at most 10 % above off


def load(path):
    header, runs, comments = None, [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#"):
            comments.append(line)
        elif line.startswith("kind\t"):
            header = line.split("\t")
        elif line.startswith("run\t") and header:
            runs.append(dict(zip(header, line.split("\t"))))
    return comments, runs


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def summarize(runs):
    out = {}
    for mode in dict.fromkeys(r["mode"] for r in runs):
        rounds = {}
        for r in runs:
            if r["mode"] == mode:
                rounds.setdefault(r["round"], {})[r["request_log"]] = r
        pairs = []
        for rnd, both in rounds.items():
            on, off = both.get("on"), both.get("off")
            if not on or not off:
                continue
            ratio = lambda k: (num(on[k]) / num(off[k])) if num(on[k]) and num(off[k]) else None
            pairs.append({"round": rnd, "p50": ratio("p50_ms"), "p90": ratio("p90_ms"), "p99": ratio("p99_ms"),
                          "p999": ratio("p999_ms"), "cpu": ratio("gw_cpu_us_req"),
                          "cpu_delta": (num(on["gw_cpu_us_req"]) - num(off["gw_cpu_us_req"]))
                          if num(on["gw_cpu_us_req"]) is not None and num(off["gw_cpu_us_req"]) is not None else None})
        med = lambda k: statistics.median([p[k] for p in pairs if p[k] is not None]) if any(p[k] is not None for p in pairs) else None
        raw = lambda label, k: statistics.median([num(r[k]) for r in runs if r["mode"] == mode and r["request_log"] == label and num(r[k]) is not None] or [float("nan")])
        out[mode] = {"pairs": pairs, "p50": med("p50"), "p90": med("p90"), "p99": med("p99"), "p999": med("p999"),
                     "cpu": med("cpu"), "cpu_delta": med("cpu_delta"),
                     "raw": {label: {k: raw(label, k) for k in ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "gw_cpu_us_req", "achieved_rps")}
                             for label in ("on", "off")},
                     "errors": sum(int(num(r["errors"]) or 0) for r in runs if r["mode"] == mode)}
    return out


def f(v, d=3):
    return "-" if v is None else f"{v:.{d}f}"


def main():
    args = sys.argv[1:]
    tsv_summary = "--tsv-summary" in args
    args = [a for a in args if a != "--tsv-summary"]
    if len(args) != 1:
        sys.exit("usage: report.py [--tsv-summary] FILE.tsv")
    comments, runs = load(args[0])
    summary = summarize(runs)
    if tsv_summary:
        print("summary\tmode\trounds\tp99_ratio_median\tp50_ratio_median\tp90_ratio_median\tp999_ratio_median\tgw_cpu_ratio_median\tgw_cpu_delta_us_median\tp99_ratios\tp50_ratios\tverdict")
        for mode, s in summary.items():
            verdict = "-" if s["p99"] is None else ("PASS" if s["p99"] <= LIMIT else "FAIL")
            print("\t".join(["summary", mode, str(len(s["pairs"])), f(s["p99"]), f(s["p50"]), f(s["p90"]), f(s["p999"]), f(s["cpu"]), f(s["cpu_delta"], 1),
                             ",".join(f(p["p99"]) for p in s["pairs"]), ",".join(f(p["p50"]) for p in s["pairs"]), verdict]))
        return
    for c in comments:
        if not c.startswith("# gateway_log"):
            print(c)
    print()
    print(f"{'round':>5} {'mode':4} {'log':3} {'req/s':>7} {'err':>4} {'p50':>7} {'p90':>7} {'p99':>7} {'p99.9':>7} {'max':>8} {'svc p99':>7} {'late p99':>8} {'gw us/req':>9} {'box cores':>9} {'rows':>6} {'priced':>6}")
    for r in runs:
        print(f"{r['round']:>5} {r['mode']:4} {r['request_log']:3} {r['achieved_rps']:>7} {r['errors']:>4} {r['p50_ms']:>7} {r['p90_ms']:>7} {r['p99_ms']:>7} {r['p999_ms']:>7} {r['max_ms']:>8} {r['svc_p99_ms']:>7} {r['late_p99_ms']:>8} {r['gw_cpu_us_req']:>9} {r['box_busy_cores']:>9} {r['ledger_rows']:>6} {r['rows_priced']:>6}")
    print()
    for mode, s in summary.items():
        print(f"{mode}: on/off per round  p99 " + "  ".join(f(p['p99']) for p in s["pairs"]) +
              "   p50 " + "  ".join(f(p['p50']) for p in s["pairs"]))
        print(f"{mode}: median over {len(s['pairs'])} rounds: p99(on)/p99(off) = {f(s['p99'])}, p50 = {f(s['p50'])}, p90 = {f(s['p90'])}, p99.9 = {f(s['p999'])}; "
              f"gateway CPU on/off = {f(s['cpu'])} ({f(s['cpu_delta'], 1)} us/req)")
        ron, roff = s["raw"]["on"], s["raw"]["off"]
        print(f"{mode}: median raw ms  on: p50 {f(ron['p50_ms'])} p99 {f(ron['p99_ms'])}   off: p50 {f(roff['p50_ms'])} p99 {f(roff['p99_ms'])}; errors {s['errors']}")
        if s["p99"] is not None:
            verdict = "PASS" if s["p99"] <= LIMIT else f"FAIL (+{(s['p99'] - 1) * 100:.0f} %)"
            print(f"{mode}: target p99(on) <= 1.10 x p99(off): {verdict}")
        print()


if __name__ == "__main__":
    main()
