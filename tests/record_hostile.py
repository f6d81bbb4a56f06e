#!/usr/bin/env python3
"""`ecsconf record` in front of a hostile upstream and facing hostile clients: it must survive all of it.

The upstream (a raw socket server here) answers by path: an HTML 500 page (an answer: passed on and
recorded as it was), a declared 10 MB body, a chunked 10 MB body (over the recorder's 1 MiB cap), no
answer at all (past the recorder's deadline), and a reset in the middle of the body. Clients then send
what a hostile client sends: no X-Amz-Target, a body that is not JSON, a CONNECT, a body over the cap.
Every answer of the recorder's own must be an AWS JSON error naming what happened, the recorder must
keep answering afterwards, and it must stop cleanly on SIGTERM. A second recorder with --max-exchanges 1
writes one fixture and answers every later request with its own AWS JSON error, said once on stderr.

Usage: tests/record_hostile.py PATH/TO/ecsconf SOURCE_DIR
"""
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

FAILURES = []


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        FAILURES.append(what)


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return lines[0].split(" ")[1]


SECRET_KEY = "hostileSECRET/LEAKCANARY0005"


def serve_one(conn):
    try:
        path = read_request(conn)
        if path is None:
            return
        if path == "/hang":
            time.sleep(20)
        elif path == "/huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n"
                         % (10 * 1024 * 1024))
            block = b" " * 65536
            for _ in range(160):
                conn.sendall(block)
        elif path == "/huge-chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            block = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
            for _ in range(160):
                conn.sendall(block)
            conn.sendall(b"0\r\n\r\n")
        elif path == "/leak":
            # An upstream that echoes the caller's secret key: the recording must refuse to store it.
            body = json.dumps({"failures": [{"reason": SECRET_KEY}]}).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n"
                         b"Connection: close\r\n\r\n%s" % (len(body), body))
        elif path == "/reset":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n"
                         b'{"tasks": [')
            time.sleep(0.2)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            page = b"<!doctype html><html><title>500 Internal Server Error</title><h1>Internal Server Error</h1></html>"
            conn.sendall(b"HTTP/1.1 500 INTERNAL SERVER ERROR\r\nContent-Type: text/html; charset=utf-8\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(page), page))
    except OSError:
        pass
    finally:
        conn.close()


def upstream(listener):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()


def post(url_port, path, body=b"{}", target="AmazonEC2ContainerServiceV20141113.RunTask", method="POST"):
    conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=60)
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target:
        headers["X-Amz-Target"] = target
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict((k.lower(), v) for k, v in response.getheaders()), data


def aws_error(data):
    try:
        return json.loads(data)
    except ValueError:
        return {}


def first_line(stdout):
    """The recorder's first stdout line (its URL), waited for up to 15 s; None when it never came."""
    for _ in range(300):
        stdout.seek(0)
        line = stdout.readline()
        if line.endswith("\n"):
            return line.strip()
        time.sleep(0.05)
    return None


def check_cap(ecsconf, upstream_port, work, env):
    """--max-exchanges: past the cap the client gets the recorder's own AWS JSON error, said once on stderr."""
    bad = subprocess.run([ecsconf, "record", "--upstream", "http://127.0.0.1:%d" % upstream_port, "--out",
                          os.path.join(work, "cap0"), "--max-exchanges", "0"], capture_output=True, text=True,
                         timeout=30, env=env)
    check(bad.returncode == 2 and "--max-exchanges" in bad.stderr,
          "--max-exchanges 0 is a usage error naming it (%d: %s)" % (bad.returncode, bad.stderr.strip()[:200]))
    out_dir = os.path.join(work, "cap")
    stdout = open(os.path.join(work, "cap.stdout"), "w+")
    stderr = open(os.path.join(work, "cap.stderr"), "w+")
    proc = subprocess.Popen([ecsconf, "record", "--upstream", "http://127.0.0.1:%d" % upstream_port, "--out", out_dir,
                             "--max-exchanges", "1"], stdout=stdout, stderr=stderr, env=env)
    try:
        url = first_line(stdout)
        port = int(url.rsplit(":", 1)[1])
        status, _, _ = post(port, "/html500")
        check(status == 500, "under the cap the answer is passed on (%d)" % status)
        for _ in range(2):
            status, headers, data = post(port, "/html500")
            error = aws_error(data)
            check(status == 400 and error.get("__type") == "ClientException" and
                  "--max-exchanges" in error.get("message", "") and
                  headers.get("content-type") == "application/x-amz-json-1.1",
                  "past the cap: 400 ClientException naming it (%d %s: %s)"
                  % (status, error.get("__type"), error.get("message", data[:80])))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    stderr.seek(0)
    log = stderr.read()
    files = [f for f in os.listdir(out_dir) if f.endswith(".json")]
    check(len(files) == 1, "one fixture written under a cap of 1 (%s)" % files)
    said = log.count("--max-exchanges") == 2 and "2 refused at the --max-exchanges cap" in log
    check(said, "the cap is said once, and the summary counts the refused requests")
    if not said:
        print(log)


def main():
    ecsconf, root = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="ecsconf-record-hostile.")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    threading.Thread(target=upstream, args=(listener,), daemon=True).start()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDHOSTILETEST", AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_SESSION_TOKEN="hostileTOKEN/LEAKCANARY0006", AWS_REGION="us-east-1")
    out_dir = os.path.join(work, "rec")
    stdout = open(os.path.join(work, "stdout"), "w+")
    stderr = open(os.path.join(work, "stderr"), "w+")
    proc = subprocess.Popen([ecsconf, "record", "--upstream", "http://127.0.0.1:%d" % listener.getsockname()[1],
                             "--out", out_dir, "--from", "other", "--name", "hostile", "--timeout-ms", "2000"],
                            stdout=stdout, stderr=stderr, env=env)
    try:
        url = first_line(stdout)
        check(url is not None and url.startswith("http://127.0.0.1:"), "the first stdout line is the URL (%s)" % url)
        port = int(url.rsplit(":", 1)[1])

        status, headers, data = post(port, "/html500")
        check(status == 500 and data.startswith(b"<!doctype html>") and headers.get("content-type", "").startswith("text/html"),
              "an HTML 500 is passed on unchanged (%d %s)" % (status, headers.get("content-type")))
        for path, kind in (("/huge", "too-large"), ("/huge-chunked", "too-large"), ("/hang", "timeout"),
                           ("/reset", None)):
            started = time.time()
            status, headers, data = post(port, path)
            error = aws_error(data)
            named = ("(%s)" % kind) in error.get("message", "") if kind else any(
                k in error.get("message", "") for k in ("reset", "truncated"))
            check(status == 503 and error.get("__type") == "ServiceUnavailable" and named and
                  headers.get("content-type") == "application/x-amz-json-1.1",
                  "%s: 503 ServiceUnavailable naming it, in %.1f s (%d %s %s: %s)"
                  % (path, time.time() - started, status, headers.get("content-type"), error.get("__type"),
                     error.get("message", data[:80])))
        # Hostile clients.
        status, _, data = post(port, "/html500", target=None)
        check(status == 500, "a request without X-Amz-Target is forwarded, and its answer passed on (%d)" % status)
        status, _, data = post(port, "/html500", body=b"\xff\xfe{not json")
        check(status == 500, "a body that is not JSON is forwarded (%d)" % status)
        status, _, data = post(port, "/", method="CONNECT")
        check(status == 400 and aws_error(data).get("__type") == "UnknownOperationException",
              "CONNECT gets an AWS JSON error (%d %s)" % (status, data[:80]))
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask\r\n"
                    b"Content-Length: 2097152\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = raw.recv(65536)
            if not chunk:
                break
            answer += chunk
        raw.close()
        head, _, data = answer.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1]) if head else 0
        check(status == 413 and aws_error(data).get("__type") == "RequestEntityTooLargeException",
              "a 2 MiB body gets 413 RequestEntityTooLargeException (%d)" % status)
        status, _, _ = post(port, "/leak")
        check(status == 200, "an answer holding the secret key is passed on to the client (%d)" % status)
        status, _, _ = post(port, "/html500")
        check(status == 500, "the recorder still answers after all that")
        check_cap(ecsconf, listener.getsockname()[1], work, env)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        listener.close()
    check(proc.returncode == 0, "SIGTERM stops it cleanly (exit %d)" % proc.returncode)
    stderr.seek(0)
    log = stderr.read()
    files = sorted(f for f in os.listdir(out_dir) if f.endswith(".json"))
    # The four HTML answers to requests with a known target are recorded (the bad-UTF-8 body as body_text);
    # the one without a target is answered but not a fixture.
    check(len(files) == 3, "the HTML answers with a target are recorded: %s" % files)
    with open(os.path.join(out_dir, files[0])) as handle:
        fixture = json.load(handle)
    check(fixture["response"]["status"] == 500 and "Internal Server Error" in fixture["response"]["body_text"],
          "recorded as what it was: status 500, the HTML page as body_text")
    check(log.count("not recorded:") == 6, "each answer that could not be recorded is reported (%d lines)"
          % log.count("not recorded:"))
    check("would hold a secret" in log, "the answer holding the secret key is refused as such")
    fixtures = os.path.join(work, "fixtures")
    shutil.copytree(os.path.join(root, "fixtures"), fixtures)
    shutil.copytree(out_dir, os.path.join(fixtures, "hostile"))
    listing = subprocess.run([ecsconf, "run", "--list", "--fixtures", fixtures, "--suite",
                              os.path.join(root, "conformance")], capture_output=True, text=True, timeout=60)
    check(listing.returncode == 0, "the recording loads with the suite's fixtures (%s)" % listing.stderr.strip()[:300])
    for secret in ("hostileSECRET/LEAKCANARY0005", "hostileTOKEN/LEAKCANARY0006", "Signature="):
        leaked = secret in log or any(secret in open(os.path.join(out_dir, f)).read() for f in files)
        check(not leaked, "no %s in the output or the recording" % secret.split("/")[0])
    if not FAILURES:
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
