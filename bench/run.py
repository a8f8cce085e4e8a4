#!/usr/bin/env python3
"""The benchmark harness: the service against its own ceilings, at province scale.

For each scale (10k, 1m, 10m consultations, or `tiny` to prove the harness works):

1. loads a province (bench/province.sql: 15,690 units, consultations and everything else in
   proportion) into a database of its own, generated inside PostgreSQL, then ANALYZEs;
2. starts the release build on it and reads its idle memory;
3. for each endpoint, captures the SQL the request runs from PostgreSQL's statement log and turns
   it into a pgbench script (prepared statements, the captured parameters);
4. in interleaved rounds (A B A B …): `GET /health/live` of the same binary (the HTTP ceiling),
   each endpoint under wrk (-t2 -c64: req/s, p50, p99) and pgbench running its SQL
   (-M prepared -c8 -j2: TPS); then p99 at a fixed 500 req/s (an open-loop generator that counts
   from the time each request was due, so a stall is not hidden);
5. exports (CSV and XLSX) of up to 100k rows: rows/s and the server's peak memory above idle;
6. writes bench/results/<date>-<scale>.json and appends a dated table to bench/RESULTS.md; with
   more than one scale, the ratio of the largest to the smallest.

    bench/run.py --scales 10k,1m [--seconds 10] [--rounds 2] [--pg postgres://…/postgres]

Needs: a release build (`cargo build --release`; built when missing), psql and pgbench (they come
with PostgreSQL), wrk (installed from Debian when missing), Python 3 without third-party packages.
Nothing here is a test: no figure is asserted.
"""

import argparse
import asyncio
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import http.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "huimin-bench-2023"
JWT_SECRET = "bench-jwt-secret-bench-jwt-secret-bench!"
AUDIT_KEY = "bench-audit-key-bench-audit-key-bench-audit!"
PORT = 18089
SCALES = {"tiny": 2_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
# Accounts the harness adds (username, role, unit code).
ACCOUNTS = [
    ("bench.province", "admin", "P"),
    ("bench.county", "admin", "K0"),
    ("bench.township", "admin", "T0-0"),
    ("bench.village", "admin", "V0-0"),
    # The writer registers in another county, so that the county whose lists and searches are
    # measured does not grow between rounds.
    ("bench.staff", "unit_staff", "T1-0"),
    ("bench.officer", "aid_officer", "A0"),
]
# Submitted applications at the first county's centre, one taken by each aid transition.
STOCK = 40_000


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def with_db(url, name):
    """The URL of database `name` on the same server. On loopback without TLS, as a service
    beside its database is deployed (PERFORMANCE.md): the service and pgbench alike."""
    parts = urllib.parse.urlsplit(url)
    query = parts.query if "sslmode=" in parts.query else "&".join(
        q for q in (parts.query, "sslmode=disable") if q)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}", query=query))


def psql(url, sql, *extra):
    return subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", *extra, url, "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


# ---------------------------------------------------------------------------------------------
# Setup


def ensure_tools(binary):
    if not shutil.which("wrk"):
        log("installing wrk from Debian")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sh(["apt-get", "install", "-y", "-q", "wrk"], env=env, stdout=subprocess.DEVNULL)
    for tool in ("psql", "pgbench"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (it comes with PostgreSQL)")
    if not os.path.exists(binary):
        log("building the release binary")
        sh(["cargo", "build", "--release", "-q"], cwd=ROOT)


def service_env(url):
    return dict(os.environ, DATABASE_URL=url, HUIMIN_JWT_SECRET=JWT_SECRET,
                HUIMIN_AUDIT_KEY=AUDIT_KEY, HUIMIN_DB_POOL_SIZE="8", HUIMIN_WORKERS="2",
                RUST_LOG="warn", HUIMIN_NEW_PASSWORD=PASSWORD)


def load(args, scale, url):
    """Creates the scale's database with the service's migrations and the generated province.
    With --reuse, a database already loaded at the same scale is kept."""
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    n = SCALES[scale]
    if args.reuse:
        try:
            if psql(url, "SELECT n FROM bench_meta") == str(n):
                log(f"[{scale}] reusing {name}")
                return
        except subprocess.CalledProcessError:
            pass
    psql(args.pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(args.pg, f"CREATE DATABASE {name}")
    env = service_env(url)
    sh([args.binary, "migrate"], env=env, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    log(f"[{scale}] generating {n:,} consultations and the rest in proportion")
    today = datetime.date.today().isoformat()
    sh(["psql", "-X", "-q", "-v", f"n={n}", "-v", f"today='{today}'", "-f",
        os.path.join(ROOT, "bench", "province.sql"), url], stdout=subprocess.DEVNULL)
    for username, role, unit in ACCOUNTS:
        sh([args.binary, "user", "add", "--username", username, "--role", role,
            "--unit-code", unit, "--display-name", username], env=env,
           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sh(["psql", "-X", "-q", url, "-c", "VACUUM ANALYZE"], stdout=subprocess.DEVNULL)
    psql(url, f"CREATE TABLE bench_meta (n BIGINT); INSERT INTO bench_meta VALUES ({n})")
    log(f"[{scale}] loaded in {time.monotonic() - started:.0f} s "
        f"({psql(args.pg, f'SELECT pg_size_pretty(pg_database_size($${name}$$))')})")


class Service:
    def __init__(self, binary, url):
        self.proc = subprocess.Popen(
            [binary, "serve", "--bind", f"127.0.0.1:{PORT}"], env=service_env(url),
            stdout=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if request("GET", "/health/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the service did not become ready")

    def memory_kb(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def reset_peak(self):
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def request(method, path, token=None, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    if body is not None:
        h["Content-Type"] = "application/json"
    conn.request(method, path, json.dumps(body) if body is not None else None, h)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, data, dict(res.getheaders())


def login(username):
    status, data, _ = request("POST", "/api/v1/auth/token",
                              body={"username": username, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login {username}: {status} {data[:300]!r}")
    return json.loads(data)["access_token"]


# ---------------------------------------------------------------------------------------------
# Endpoints


def consultation_body(unit_id):
    # Dated before the generated years, so that what the writes add stays at the far end of the
    # lists, which later rounds measure again.
    return {"unit_id": unit_id, "received_at": "2021-03-02T09:40:00+08:00", "channel": "walk_in",
            "site": "fixed_station", "topics": ["support_maintenance"],
            "question": "子女不履行赡养义务怎么办？", "answer": "可协商、申请人民调解或起诉。",
            "outcome": "answered", "callback_consent": False}


def deep_cursor(path, token, pages):
    """The cursor of the page `pages` deep (or the deepest there is), walking the list."""
    cursor, depth = None, 0
    while depth < pages:
        sep = "&" if "?" in path else "?"
        status, data, _ = request("GET", path + (f"{sep}cursor={cursor}" if cursor else ""), token)
        nxt = json.loads(data).get("next_cursor") if status == 200 else None
        if not nxt:
            break
        cursor, depth = nxt, depth + 1
    return cursor, depth


def endpoints(tokens, n, writer_unit):
    """(name, method, path, token, body, kind): kind is read, write or transition."""
    lst = "/api/v1/consultations?limit=20"
    out = [("health/live (HTTP ceiling)", "GET", "/health/live", None, None, "read")]
    for who in ("county", "township", "village"):
        tok = tokens[f"bench.{who}"]
        out.append((f"consultations, {who}, first page", "GET", lst, tok, None, "read"))
        cursor, depth = deep_cursor(lst, tok, 500)
        if cursor:
            out.append((f"consultations, {who}, page {depth + 1}", "GET",
                        f"{lst}&cursor={cursor}", tok, None, "read"))
    out += [
        ("consultations, county, text search", "GET",
         f"{lst}&q={urllib.parse.quote('高额彩礼')}", tokens["bench.county"], None, "read"),
        ("duty board of a county (public)", "GET", "/api/v1/duty/today?unit_id=100", None, None,
         "read"),
        ("stats by unit, county, 2024", "GET",
         "/api/v1/stats/consultations?from=2024-01-01&to=2024-12-31&group_by=unit",
         tokens["bench.county"], None, "read"),
        ("aid stats by state, county, 2024", "GET",
         "/api/v1/stats/aid?from=2024-01-01&to=2024-12-31&group_by=state",
         tokens["bench.county"], None, "read"),
        ("audited create (consultation)", "POST", "/api/v1/consultations",
         tokens["bench.staff"], consultation_body(writer_unit), "write"),
        ("aid transition (accept)", "POST", "/api/v1/aid-applications/{id}/accept",
         tokens["bench.officer"], {}, "transition"),
    ]
    return out


class Stock:
    """The submitted applications at the first county's centre, handed out once each: topped up
    to STOCK first (a reused database has spent some)."""

    def __init__(self, url):
        psql(url, f"""
            WITH added AS (
                INSERT INTO aid_applications (unit_id, centre_id, matter_category, facts, channel,
                    hardship_check, state, received_at, state_entered_at, created_at, updated_at)
                SELECT 1000, 3000, 'labour_wages', '追索劳动报酬。', 'walk_in', 'pledge',
                       'submitted', now() - interval '1 day', now() - interval '1 day', now(), now()
                FROM generate_series(1, {STOCK} - (
                    SELECT count(*) FROM aid_applications WHERE state = 'submitted'
                      AND centre_id = 3000 AND unit_id = 1000 AND version = 1))
                RETURNING id)
            INSERT INTO aid_applicants (application_id, name, id_number, birth_date, sex, age)
            SELECT id, '申请人' || id, '140521198001010011', date '1980-01-01', 'male', 45
            FROM added""")
        self.ids = [int(x) for x in psql(
            url, "SELECT id FROM aid_applications WHERE state = 'submitted' AND centre_id = 3000 "
                 "AND unit_id = 1000 AND version = 1 ORDER BY id").split()]

    def take(self, count):
        taken, self.ids = self.ids[:count], self.ids[count:]
        return taken


# ---------------------------------------------------------------------------------------------
# The endpoint's own SQL, from the statement log, as a pgbench script


def server_log():
    out = psql(BASE_URL, "SELECT current_setting('data_directory') || '|' || "
                         "current_setting('logging_collector')")
    data_dir, collector = out.split("|")
    if collector == "on":
        path = psql(BASE_URL, "SELECT pg_current_logfile()")
        return path if path.startswith("/") else os.path.join(data_dir, path)
    logs = sorted((os.path.join("/var/log/postgresql", f) for f in os.listdir("/var/log/postgresql")
                   if f.endswith(".log")), key=os.path.getmtime)
    return logs[-1]


ENTRY = re.compile(r"^\S+ \S+ \S+ \[\d+\] (\S*)@(\S*) (LOG|DETAIL|ERROR|STATEMENT):  (.*)$")


def capture(dbname, do_request):
    """Runs one request with every statement logged; returns [(sql, [params])] it ran."""
    path = server_log()
    psql(BASE_URL, "ALTER SYSTEM SET log_statement = 'all'")
    psql(BASE_URL, "SELECT pg_reload_conf()")
    time.sleep(0.3)
    start = os.path.getsize(path)
    try:
        do_request()
        time.sleep(0.3)
    finally:
        psql(BASE_URL, "ALTER SYSTEM RESET log_statement")
        psql(BASE_URL, "SELECT pg_reload_conf()")
    with open(path, encoding="utf-8", errors="replace") as f:
        f.seek(start)
        text = f.read()
    entries, current = [], None
    for line in text.splitlines():
        m = ENTRY.match(line)
        if m:
            current = None
            if m.group(2) != dbname:
                continue
            kind, msg = m.group(3), m.group(4)
            if kind == "LOG" and (msg.startswith("statement: ") or msg.startswith("execute ")):
                sql = msg.split(": ", 1)[1]
                current = [sql, []]
                entries.append(current)
            elif kind == "DETAIL" and msg.startswith("parameters: ") and entries:
                entries[-1][1] = parse_params(msg[len("parameters: "):])
        elif current is not None and line.startswith("\t"):
            current[0] += "\n" + line[1:]
    # The webhook dispatcher polls on connections of its own, whatever the request does.
    return [(sql, params) for sql, params in entries
            if not sql.startswith(("ALTER SYSTEM", "SELECT pg_reload_conf"))
            and not re.search(r"\bwebhook", sql)
            # The token check reads the account at most every few seconds (a cache).
            and '"sessions"."expires_at"' not in sql]


def parse_params(text):
    """`$1 = '5', $2 = NULL` → ['5', None] (quotes doubled inside values)."""
    out, i = [], 0
    while i < len(text):
        m = re.compile(r"\$(\d+) = ").match(text, i)
        if not m:
            break
        i = m.end()
        if text.startswith("NULL", i):
            out.append(None)
            i += 4
        else:
            j, val = i + 1, []
            while j < len(text):
                if text[j] == "'" and text[j + 1:j + 2] == "'":
                    val.append("'")
                    j += 2
                elif text[j] == "'":
                    break
                else:
                    val.append(text[j])
                    j += 1
            out.append("".join(val))
            i = j + 1
        i = text.find("$", i) if text.find("$", i) >= 0 else len(text)
    return out


def rebinding(statements, vary=None):
    """What a write must take from the database again on every run rather than replay: the
    trail's next event id and sequence number and the chain's hash (read by the transaction
    itself, with \\gset), and the row a transition acts on (`vary`: its captured id, taken at
    random from the stock). Returns ({(statement, parameter): SQL}, {statement: gset line})."""
    subst, gsets = {}, {}
    for k, (sql, params) in enumerate(statements):
        if sql.startswith("SELECT nextval('audit_events_id_seq') FROM generate_series(1, $1)") \
                and params[:1] == ["1"]:
            gsets[k] = ""
        elif sql.startswith('SELECT "audit_chains"."last_seq", "audit_chains"."last_hash"'):
            gsets[k] = ""
        elif re.match(r'UPDATE "?audit_chains"? SET "?last_seq"? = \$1', sql):
            subst[(k, 0)] = "(:last_seq::bigint + 1)"
        elif sql.startswith("INSERT INTO change_snapshots (audit_event_id"):
            subst[(k, 0)] = ":nextval"
        elif sql.startswith('INSERT INTO "audit_events" ('):
            cols = [c.strip().strip('"') for c in sql.split("(", 1)[1].split(")", 1)[0].split(",")]
            values = sql.split("VALUES (", 1)[1].split(")", 1)[0].split(",")
            for col, val in zip(cols, values):
                m = re.match(r"\s*\$(\d+)", val)
                if m:
                    idx = int(m.group(1)) - 1
                    subst[(k, idx)] = {"id": ":nextval", "chain_seq": "(:last_seq::bigint + 1)",
                                       "prev_hash": ":last_hash"}.get(col, subst.get((k, idx)))
                    if subst[(k, idx)] is None:
                        del subst[(k, idx)]
        if vary:
            for idx, value in enumerate(params):
                if value == vary["value"] and (k, idx) not in subst:
                    subst[(k, idx)] = ":" + vary["var"]
    return subst, gsets


def pgbench_script(statements, workdir, name, vary=None):
    """The captured statements as a pgbench script; parameters become -D variables, so that
    -M prepared prepares each statement once per connection, as the service's pool does."""
    subst, gsets = rebinding(statements, vary)
    lines, defines = [], []
    if vary:
        lo, hi = vary["range"]
        lines.append(f"\\set {vary['var']} random({lo}, {hi})")
    for k, (sql, params) in enumerate(statements):
        def sub(m):
            idx = int(m.group(1)) - 1
            if (k, idx) in subst:
                return subst[(k, idx)]
            if idx >= len(params) or params[idx] is None:
                return "NULL"
            if params[idx] == "":
                return "''"  # pgbench cannot define an empty variable
            var = f"s{k}p{idx}"
            defines.append((var, params[idx]))
            return f":{var}"
        body = re.sub(r"\$(\d+)", sub, sql) if params else sql
        lines.append(" ".join(body.split()) + (" \\gset" if k in gsets else ";"))
    path = os.path.join(workdir, re.sub(r"\W+", "_", name).strip("_") + ".sql")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path, defines


# ---------------------------------------------------------------------------------------------
# Load generators


WRK_LUA = """
local token, method, body, path = %s, %s, %s, %s
local ids = {%s}
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  n = (tid or 0) + 1
end
function request()
  local p = path
  local headers = {["Content-Type"] = "application/json"}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if #ids > 0 then
    local id = ids[n] or ids[#ids]
    n = n + 2
    p = string.gsub(path, "{id}", id)
    headers["If-Match"] = '"1"'
  end
  return wrk.format(method, p, headers, body ~= "" and body or nil)
end
"""


def lua_quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def wrk(seconds, method, path, token, body, ids=(), connections=64):
    script = WRK_LUA % (lua_quote(token or ""), lua_quote(method),
                        lua_quote(json.dumps(body) if body is not None else ""),
                        lua_quote(path), ",".join(str(i) for i in ids))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        lua = f.name
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua,
             f"http://127.0.0.1:{PORT}"], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(lua)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    lat = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)", out, re.M))
    return {"rps": rps, "p50_ms": to_ms(lat.get("50")), "p99_ms": to_ms(lat.get("99")),
            "requests": total, "non_2xx": int(bad.group(1)) if bad else 0}


def to_ms(text):
    if text is None:
        return None
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


async def open_loop(rate, seconds, method, paths, token, body, ids_header):
    """Requests due at a fixed rate on keep-alive connections; latency from when each was due."""
    count = int(rate * seconds)
    latencies, failures = [], 0
    pool = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(None)
    payload = json.dumps(body).encode() if body is not None else b""

    async def one(i, due):
        nonlocal failures
        conn = await pool.get()
        try:
            if conn is None:
                conn = await asyncio.open_connection("127.0.0.1", PORT)
            reader, writer = conn
            head = [f"{method} {paths(i)} HTTP/1.1", f"Host: 127.0.0.1:{PORT}",
                    f"Content-Length: {len(payload)}", "Content-Type: application/json"]
            if token:
                head.append(f"Authorization: Bearer {token}")
            if ids_header:
                head.append('If-Match: "1"')
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append((time.monotonic() - due) * 1000)
            if not status_line.split(b" ")[1].startswith((b"2", b"3")):
                failures += 1
            pool.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError, IndexError):
            failures += 1
            pool.put_nowait(None)

    start = time.monotonic() + 0.05
    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        conn = pool.get_nowait()
        if conn:
            conn[1].close()
    latencies.sort()
    return {"p99_ms": latencies[int(len(latencies) * 0.99) - 1] if latencies else None,
            "p50_ms": latencies[len(latencies) // 2] if latencies else None,
            "failures": failures, "requests": count}


def pgbench(url, script, defines, seconds):
    cmd = ["pgbench", "-n", "-M", "prepared", "-c8", "-j2", f"-T{seconds}", "-f", script]
    for var, value in defines:
        cmd += ["-D", f"{var}={value}"]
    res = subprocess.run(cmd + [url], capture_output=True, text=True)
    m = re.search(r"tps = ([\d.]+)", res.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", res.stdout)
    return {"tps": float(m.group(1)) if m else None,
            "failed": int(failed.group(1)) if failed else None,
            "error": None if m else (res.stderr.strip().splitlines() or ["?"])[-1][:300]}


# ---------------------------------------------------------------------------------------------
# Exports


def export(svc, token, path, rows):
    svc.reset_peak()
    before = svc.memory_kb("VmRSS")
    started = time.monotonic()
    status, data, _ = request("GET", path, token)
    elapsed = time.monotonic() - started
    peak = svc.memory_kb("VmHWM")
    return {"status": status, "rows": rows, "seconds": round(elapsed, 3),
            "rows_per_s": round(rows / elapsed) if status == 200 and elapsed > 0 else None,
            "bytes": len(data), "peak_above_idle_mb": round(max(0, peak - before) / 1024, 1)}


def export_window(url, limit):
    """The first days of 2024 whose consultations number at most `limit` (China days)."""
    n = int(psql(url, "SELECT count(*) FROM consultations"))
    days = max(1, min(366, int(1430 * limit / max(n, 1))))
    end = datetime.date(2024, 1, 1) + datetime.timedelta(days=days - 1)
    rows = int(psql(url, "SELECT count(*) FROM consultations WHERE received_at >= "
                         "'2023-12-31 16:00:00' AND received_at < "
                         f"timestamp '{end.isoformat()} 16:00:00'"))
    return "2024-01-01", end.isoformat(), rows


# ---------------------------------------------------------------------------------------------
# One scale


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def run_scale(args, scale):
    url = with_db(args.pg, f"huimin_bench_{scale}")
    dbname = f"huimin_bench_{scale}"
    load(args, scale, url)
    svc = Service(args.binary, url)
    try:
        time.sleep(2)
        idle_mb = round(svc.memory_kb("VmRSS") / 1024, 1)
        tokens = {u: login(u) for u, _, _ in ACCOUNTS}
        stock = Stock(url)
        writer_unit = int(psql(url, "SELECT unit_id FROM users WHERE username = 'bench.staff'"))
        eps = endpoints(tokens, SCALES[scale], writer_unit)
        workdir = tempfile.mkdtemp(prefix="huimin-bench-")
        scripts = {}
        for name, method, path, token, body, kind in eps:
            taken = []
            if kind == "transition":
                def run_once(p=path, t=token, b=body):
                    taken.append(stock.take(1)[0])
                    return request("POST", p.replace("{id}", str(taken[-1])), t, b,
                                   {"If-Match": '"1"'})
            else:
                run_once = (lambda m=method, p=path, t=token, b=body: request(m, p, t, b))
            run_once()  # warm: caches, the token's account
            if name.startswith("health"):
                continue
            statements = capture(dbname, run_once)
            vary = ({"value": str(taken[-1]), "var": "aid",
                     "range": (stock.ids[0], stock.ids[-1])} if taken else None)
            scripts[name] = pgbench_script(statements, workdir, name, vary)
            log(f"[{scale}] {name}: {len(statements)} statements captured")
        results = {name: {"service": [], "pgbench": [], "fixed": []} for name, *_ in eps}
        for r in range(args.rounds):
            for name, method, path, token, body, kind in eps:
                ids = stock.take(int(args.seconds * 1000)) if kind == "transition" else ()
                res = wrk(args.seconds, method, path, token, body, ids)
                results[name]["service"].append(res)
                if name in scripts:
                    script, defines = scripts[name]
                    results[name]["pgbench"].append(pgbench(url, script, defines, args.seconds))
                log(f"[{scale}] round {r + 1} {name}: {res['rps']:.0f} req/s, p99 {res['p99_ms']} ms"
                    + (f"; pgbench {results[name]['pgbench'][-1]}" if name in scripts else ""))
        for name, method, path, token, body, kind in eps:
            if kind == "write" and args.skip_fixed_writes:
                continue
            ids = stock.take(int(args.fixed_rate * args.fixed_seconds)) if kind == "transition" else []
            paths = (lambda i, p=path, ids=ids: p.replace("{id}", str(ids[i])) if ids else p)
            res = asyncio.run(open_loop(args.fixed_rate, args.fixed_seconds, method, paths,
                                        token, body, bool(ids)))
            results[name]["fixed"].append(res)
            log(f"[{scale}] {args.fixed_rate} req/s {name}: p99 {res['p99_ms']:.1f} ms")
        start, end, rows = export_window(url, args.export_rows)
        q = f"from={start}&to={end}"
        exports = {
            "CSV": export(svc, tokens["bench.province"],
                          f"/api/v1/consultations/export?format=csv&{q}", rows),
            "XLSX": export(svc, tokens["bench.province"],
                           f"/api/v1/consultations/export?format=xlsx&{q}", rows),
        }
        log(f"[{scale}] exports: {exports}")
        if args.keep:
            log(f"[{scale}] pgbench scripts kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    finally:
        svc.stop()
    summary = {}
    for name, res in results.items():
        rps = median([x["rps"] for x in res["service"]])
        tps = median([x["tps"] for x in res["pgbench"]])
        summary[name] = {
            "rps": rps, "p50_ms": median([x["p50_ms"] for x in res["service"]]),
            "p99_ms": median([x["p99_ms"] for x in res["service"]]),
            "non_2xx": sum(x["non_2xx"] for x in res["service"]),
            "pgbench_tps": tps, "ratio": round(rps / tps, 2) if rps and tps else None,
            "pgbench_errors": [x["error"] for x in res["pgbench"] if x["error"]],
            "p99_ms_at_fixed_rate": median([x["p99_ms"] for x in res["fixed"]]),
            "fixed_rate_failures": sum(x["failures"] for x in res["fixed"]),
        }
    return {"scale": scale, "consultations": SCALES[scale], "idle_rss_mb": idle_mb,
            "endpoints": summary, "exports": exports, "raw": results}


# ---------------------------------------------------------------------------------------------
# Report


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "?"


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def markdown(args, runs):
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [f"## {now} · commit {commit()} · {os.cpu_count()} cores · "
             f"wrk -t2 -c64 -d{args.seconds}s, pgbench -M prepared -c8 -j2 -T{args.seconds}, "
             f"{args.rounds} interleaved rounds (medians); fixed rate {args.fixed_rate} req/s for "
             f"{args.fixed_seconds} s", ""]
    for run in runs:
        lines += [f"### {run['consultations']:,} consultations · idle memory "
                  f"{run['idle_rss_mb']} MB", "",
                  "| endpoint | req/s | p50 ms | p99 ms | pgbench TPS (its SQL) | ratio | "
                  f"p99 ms at {args.fixed_rate}/s | not 2xx |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, s in run["endpoints"].items():
            lines.append(f"| {name} | {fmt(s['rps'])} | {fmt(s['p50_ms'], 2)} | "
                         f"{fmt(s['p99_ms'], 2)} | {fmt(s['pgbench_tps'])} | "
                         f"{fmt(s['ratio'], 2)} | {fmt(s['p99_ms_at_fixed_rate'], 2)} | "
                         f"{s['non_2xx'] + s['fixed_rate_failures']} |")
        lines += ["", "| export | rows | seconds | rows/s | peak memory above idle (MB) |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for kind, e in run["exports"].items():
            lines.append(f"| {kind} | {e['rows']:,} | {e['seconds']} | {fmt(e['rows_per_s'])} | "
                         f"{e['peak_above_idle_mb']} |")
        lines.append("")
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        lines += [f"### Scale: {large['consultations']:,} / {small['consultations']:,} "
                  "(p50 latency ratio, req/s ratio)", "", "| endpoint | p50 × | req/s × |",
                  "| --- | ---: | ---: |"]
        for name, s in large["endpoints"].items():
            a = small["endpoints"].get(name, {})
            p50 = s["p50_ms"] / a["p50_ms"] if s.get("p50_ms") and a.get("p50_ms") else None
            rps = s["rps"] / a["rps"] if s.get("rps") and a.get("rps") else None
            lines.append(f"| {name} | {fmt(p50, 2)} | {fmt(rps, 2)} |")
        lines.append("")
    return "\n".join(lines)


def main():
    global BASE_URL
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="10k,1m,10m", help="comma-separated: tiny, 10k, 100k, 1m, 10m")
    ap.add_argument("--pg", default=os.environ.get(
        "HUIMIN_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--fixed-rate", type=int, default=500)
    ap.add_argument("--fixed-seconds", type=int, default=5)
    ap.add_argument("--skip-fixed-writes", action="store_true")
    ap.add_argument("--export-rows", type=int, default=100_000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "huimin"))
    ap.add_argument("--reuse", action="store_true", help="keep a database already loaded")
    ap.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    ap.add_argument("--load-only", action="store_true",
                    help="only load the scales' databases (measure later with --reuse)")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench"))
    args = ap.parse_args()
    BASE_URL = args.pg
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    for s in scales:
        if s not in SCALES:
            sys.exit(f"unknown scale {s}: use {', '.join(SCALES)}")
    ensure_tools(args.binary)
    if args.load_only:
        for scale in scales:
            load(args, scale, with_db(args.pg, f"huimin_bench_{scale}"))
        return
    runs = []
    for scale in scales:
        runs.append(run_scale(args, scale))
        if not args.keep:
            psql(args.pg, f"DROP DATABASE IF EXISTS huimin_bench_{scale} WITH (FORCE)")
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    os.makedirs(os.path.join(args.results, "results"), exist_ok=True)
    with open(os.path.join(args.results, "results", f"{stamp}-{'-'.join(scales)}.json"), "w") as f:
        json.dump({"commit": commit(), "args": vars(args), "runs": runs}, f, indent=1,
                  ensure_ascii=False)
    table = markdown(args, runs)
    with open(os.path.join(args.results, "RESULTS.md"), "a") as f:
        f.write("\n" + table)
    print(table)


BASE_URL = ""

if __name__ == "__main__":
    main()
