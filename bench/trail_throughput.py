#!/usr/bin/env python3
"""Audited writes of one county against two, on PostgreSQL: the service against pgbench running
the same transaction, and a demonstration that one county's writes do not queue behind the
other's.

Starts `target/release/huimin serve --demo` on a fresh database, adds a second county (阳城县,
a root of its own) with an account, then:

1. N writers (default 8) create consultations for SECONDS, all in Qinshui (one chain), then split
   across Qinshui and Yangcheng (two chains); prints requests/s.
2. pgbench with the transaction the service runs for such a create (lock the chain's head, insert
   the consultation, insert the audit event, move the head), on one head and split across two.
3. Holds Qinshui's chain head in another session and shows that a Yangcheng write is answered at
   once while a Qinshui write waits until the lock is released.

Usage: bench/trail_throughput.py [--pg postgres://postgres@127.0.0.1:5432/postgres]
       [--seconds 20] [--writers 8] [--binary target/release/huimin]
Needs python3, psql and pgbench (both come with PostgreSQL). No third-party Python packages.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

PASSWORD = "huimin-demo-2023"
JWT_SECRET = "bench-jwt-secret-bench-jwt-secret-bench!"
AUDIT_KEY = "bench-audit-key-bench-audit-key-bench-audit!"
PORT = 18088


def with_db(url, name):
    base, _, query = url.partition("?")
    head = base[: base.index("/", base.index("://") + 3)] if base.count("/") > 2 else base
    return f"{head}/{name}" + (f"?{query}" if query else "")


def psql(url, sql):
    return subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


class Client:
    def __init__(self, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        res = self.conn.getresponse()
        data = res.read()
        return res.status, (json.loads(data) if data else None)


def login(username):
    status, body = Client().call("POST", "/api/v1/auth/token",
                                 {"username": username, "password": PASSWORD})
    assert status == 200, (status, body)
    return body["access_token"]


def consultation(unit, n):
    return {
        "unit_id": unit, "received_at": "2023-03-07T09:40:00+08:00", "channel": "walk_in",
        "site": "fixed_station", "topics": ["support_maintenance"],
        "question": f"子女不履行赡养义务怎么办？第{n}问", "answer": "可协商、申请人民调解或起诉。",
        "outcome": "answered", "callback_consent": False,
    }


def writers(targets, seconds):
    """targets: one (token, unit) per writer thread. Returns (created, other, elapsed)."""
    counts = [[0, 0] for _ in targets]
    stop = time.monotonic() + seconds

    def run(i, token, unit):
        c, n = Client(token), 0
        while time.monotonic() < stop:
            status, _ = c.call("POST", "/api/v1/consultations", consultation(unit, n))
            counts[i][0 if status == 201 else 1] += 1
            n += 1

    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(i, t, u)) for i, (t, u) in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return sum(c[0] for c in counts), sum(c[1] for c in counts), elapsed


PGBENCH = """\\set two random(0, 1)
\\set chain CASE WHEN :chains = 2 AND :two = 1 THEN :yc ELSE :qs END
\\set unit CASE WHEN :chain = :yc THEN :yc_unit ELSE :qs_unit END
BEGIN;
UPDATE audit_chains SET last_seq = last_seq WHERE id = :chain;
INSERT INTO consultations (unit_id, received_at, channel, site, special_groups, topics, question,
  answer, outcome, matters_count, callback_consent, review_state, review_requested_at,
  registered_by, version, created_at, updated_at)
VALUES (:unit, now(), 'walk_in', 'fixed_station', '', 'support_maintenance',
  '子女不履行赡养义务怎么办？', '可协商、申请人民调解或起诉。', 'answered', 1, false, 'pending', now(),
  'pgbench', 1, now(), now()) RETURNING *;
SELECT last_seq, last_hash FROM audit_chains WHERE id = :chain;
SELECT nextval('audit_events_id_seq') FROM generate_series(1, 1);
INSERT INTO audit_events (id, occurred_at, actor_id, actor, role, action, entity, entity_id,
  unit_id, request_id, before_data, after_data, prev_hash, hash, chain_id, chain_seq, key_id,
  caller_request_id)
SELECT currval('audit_events_id_seq'), now(), 1, 'pgbench', 'unit_staff', 'create', 'consultation',
  currval('consultations_id_seq'), :unit, 'c0ffee00-0000-4000-8000-000000000000', NULL,
  '{"question":"子女不履行赡养义务怎么办？","answer":"可协商、申请人民调解或起诉。"}',
  last_hash, md5(last_hash) || md5(last_hash), :chain, last_seq + 1, 'bench', NULL
FROM audit_chains WHERE id = :chain;
UPDATE audit_chains SET last_seq = last_seq + 1, last_hash = md5(last_hash) || md5(last_hash)
WHERE id = :chain;
END;
"""


def pgbench(url, seconds, clients, chains, ids):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(PGBENCH)
        script = f.name
    try:
        out = subprocess.run(
            ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", script,
             "-D", f"chains={chains}", "-D", f"qs={ids['qs']}", "-D", f"yc={ids['yc']}",
             "-D", f"qs_unit={ids['qs_unit']}", "-D", f"yc_unit={ids['yc_unit']}", url],
            check=True, capture_output=True, text=True,
        ).stdout
    finally:
        os.unlink(script)
    for line in out.splitlines():
        if line.startswith("tps"):
            return float(line.split("=")[1].split()[0])
    raise RuntimeError(out)


def held_lock_demo(url, ids, tokens):
    """Holds Qinshui's chain head in another session; writes of Yangcheng go on."""
    holder = subprocess.Popen(["psql", "-X", "-q", url], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True)
    holder.stdin.write(f"BEGIN; SELECT last_seq FROM audit_chains WHERE id = {ids['qs']} FOR UPDATE;\n"
                       "SELECT pg_sleep(0.5);\n")
    holder.stdin.flush()
    time.sleep(1.0)
    t = time.monotonic()
    status, _ = Client(tokens["yc"]).call("POST", "/api/v1/consultations",
                                          consultation(ids["yc_unit"], 0))
    yc_ms = (time.monotonic() - t) * 1000
    result = {}

    def qinshui():
        t = time.monotonic()
        s, _ = Client(tokens["qs"]).call("POST", "/api/v1/consultations",
                                         consultation(ids["qs_unit"], 0))
        result["qs"] = (s, (time.monotonic() - t) * 1000)

    waiting = threading.Thread(target=qinshui)
    waiting.start()
    time.sleep(2.0)
    still_waiting = waiting.is_alive()
    holder.stdin.write("ROLLBACK;\n")
    holder.stdin.close()
    holder.wait()
    waiting.join()
    print(f"  Qinshui's chain held by another session: a Yangcheng create answered {status} in "
          f"{yc_ms:.0f} ms; a Qinshui create still waiting after 2 s: {still_waiting}, answered "
          f"{result['qs'][0]} after {result['qs'][1]:.0f} ms (once the lock was released)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--binary", default="target/release/huimin")
    args = ap.parse_args()

    name = f"huimin_bench_{uuid.uuid4().hex[:8]}"
    psql(args.pg, f"CREATE DATABASE {name}")
    url = with_db(args.pg, name)
    env = dict(os.environ, DATABASE_URL=url, HUIMIN_JWT_SECRET=JWT_SECRET,
               HUIMIN_AUDIT_KEY=AUDIT_KEY, HUIMIN_DB_POOL_SIZE="8", HUIMIN_WORKERS="2",
               RUST_LOG="warn", HUIMIN_NEW_PASSWORD=PASSWORD)
    svc = None
    try:
        svc = subprocess.Popen([args.binary, "serve", "--demo", "--bind", f"127.0.0.1:{PORT}"],
                               env=env, stdout=subprocess.DEVNULL)
        for _ in range(300):
            try:
                if Client().call("GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        # A second county, a root of its own, with its admin (as an operator would add them).
        subprocess.run([args.binary, "unit", "add-root", "--kind", "county_bureau",
                        "--code", "140522", "--name", "阳城县司法局"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([args.binary, "user", "add", "--username", "admin.yc", "--role", "admin",
                        "--unit-code", "140522"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        admin_yc = Client(login("admin.yc"))
        yc = int(psql(url, "SELECT id FROM units WHERE code = '140522'"))
        status, office = admin_yc.call("POST", "/api/v1/units", {
            "parent_id": yc, "kind": "judicial_office", "code": "140522-SFS-FC",
            "name": "凤城镇司法所"})
        assert status == 201, (status, office)
        status, body = admin_yc.call("POST", "/api/v1/users", {
            "username": "staff.fengcheng", "password": PASSWORD, "display_name": "凤城镇所",
            "role": "unit_staff", "unit_id": office["id"]})
        assert status == 201, (status, body)
        ids = {
            "qs": int(psql(url, "SELECT id FROM units WHERE code = '140521'")),
            "yc": yc,
            "qs_unit": int(psql(url, "SELECT id FROM units WHERE code = '140521-SFS-LG'")),
            "yc_unit": office["id"],
        }
        tokens = {"qs": login("staff.longgang"), "yc": login("staff.fengcheng")}
        # Warm-up.
        writers([(tokens["qs"], ids["qs_unit"]), (tokens["yc"], ids["yc_unit"])], 2)

        n = args.writers
        one = [(tokens["qs"], ids["qs_unit"])] * n
        two = [(tokens["qs"], ids["qs_unit"]) if i % 2 == 0 else (tokens["yc"], ids["yc_unit"])
               for i in range(n)]
        results = {}
        for label, targets, chains in [("one county", one, 1), ("two counties", two, 2)]:
            ok, other, elapsed = writers(targets, args.seconds)
            svc_rps = ok / elapsed
            tps = pgbench(url, args.seconds, n, chains, ids)
            results[label] = (svc_rps, tps)
            print(f"{label:>13}: service {svc_rps:7.0f} creates/s ({other} not 201) | "
                  f"pgbench same transaction {tps:7.0f} tps | ratio {svc_rps / tps:.2f}")
        print(f"  two counties / one county: service ×{results['two counties'][0] / results['one county'][0]:.2f}, "
              f"pgbench ×{results['two counties'][1] / results['one county'][1]:.2f}")
        held_lock_demo(url, ids, tokens)
        verify = subprocess.run([args.binary, "audit", "verify"], env=env,
                                capture_output=True, text=True)
        report = json.loads(verify.stdout)
        print(f"  huimin audit verify: intact={report['intact']}, {report['checked']} events in "
              f"{len(report['chains'])} chains (pgbench's rows are not bound by the key: "
              f"{'expected to fail' if not report['intact'] else 'none written'})")
    finally:
        if svc:
            svc.terminate()
            svc.wait()
        psql(args.pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
