#!/usr/bin/env python3
"""A misbehaving HTTP endpoint on 127.0.0.1 for the `ecsconf run` verdict tests (tests/cli_verdicts.sh).

Usage: stub_endpoint.py MODE [ARG] -- prints the port on the first line of stdout, then serves until killed
(at most --lifetime seconds, default 120, so a test that dies never leaves it behind).

Modes:
  silent        accept every connection and never answer (a hung server)
  count FILE    append one line to FILE for every connection accepted, then answer 400
                ClusterNotFoundException (proves whether anything was sent at all)
  slow SECONDS  answer the first request at once, every later one after SECONDS of silence (the
                low-speed guard against --request-timeout-ms)
  drop-after N  answer the first N requests with ClusterNotFoundException, then close every connection
                without a byte (an endpoint that died during the run)
  http-now      answer in plain HTTP the moment a connection opens, before reading anything (a TLS
                client sees no TLS server there)
  error STATUS TYPE  answer every request with that HTTP status and an AWS JSON error of that __type
                (an endpoint whose choice of error differs from the reference emulator's)
"""
import socket
import sys
import threading
import time

ANSWER = (b'HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\n'
          b'Content-Length: 78\r\nConnection: close\r\n\r\n'
          b'{"__type":"ClusterNotFoundException","message":"Cluster not found (stub)."}   ')


def read_request(conn):
    """Reads one request (headers and a Content-Length body); False when the peer closed first."""
    data = b''
    conn.settimeout(30)
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
        if len(data) > 1 << 20:
            return False
    head, _, body = data.partition(b'\r\n\r\n')
    length = 0
    for line in head.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            length = int(value.strip() or 0)
    while len(body) < min(length, 1 << 20):
        chunk = conn.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True


def main():
    args = [a for a in sys.argv[1:]]
    lifetime = 120
    if '--lifetime' in args:
        i = args.index('--lifetime')
        lifetime = int(args[i + 1])
        del args[i:i + 2]
    if not args or args[0] in ('-h', '--help'):
        print(__doc__)
        return 0 if args else 2
    mode = args[0]
    arg = args[1] if len(args) > 1 else None
    answer = ANSWER
    if mode == 'error':
        body = ('{"__type":"%s","message":"stub answer"}' % args[2]).encode()
        answer = (b'HTTP/1.1 %d Stub\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n'
                  b'Connection: close\r\n\r\n' % (int(arg), len(body))) + body
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', 0))
    server.listen(64)
    print(server.getsockname()[1], flush=True)
    state = {'requests': 0}
    lock = threading.Lock()
    held = []

    def serve(conn):
        try:
            if mode == 'silent':
                held.append(conn)
                return
            if mode == 'count':
                with open(arg, 'a') as log:
                    log.write('connection\n')
            if mode == 'http-now':
                conn.sendall(answer)
                return
            if not read_request(conn):
                return
            with lock:
                state['requests'] += 1
                n = state['requests']
            if mode == 'slow' and n > 1:
                time.sleep(float(arg))
            if mode == 'drop-after' and n > int(arg):
                conn.close()
                return
            conn.sendall(answer)
        except OSError:
            pass
        finally:
            if mode != 'silent':
                conn.close()

    threading.Timer(lifetime, lambda: __import__('os')._exit(0)).start()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    sys.exit(main())
