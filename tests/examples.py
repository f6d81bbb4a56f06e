#!/usr/bin/env python3
"""ctest cli.examples: every example command in `ecsconf <command> --help` and in README.md runs, or is
marked in tests/examples.txt with the reason it cannot run here.

Examples are read from the real --help output of every command `ecsconf --help` lists (a line indented
two spaces that starts with a command: ecsconf, aws, curl, openssl, ls, until, or VAR=value; a trailing
backslash continues it) and from README.md's ```sh blocks, so a new example is picked up without
touching this file: an example missing from tests/examples.txt fails the test until it is marked
`run`, `needs` with what the machine lacks, or `text` (a line that only looks like a command), each
with its reason; a line of that file that matches no example fails it too (stale). A `run` example
whose program is not installed (aws) is reported as not run, with that reason.

The `run` examples of one page run in order as one bash session, verbatim, in a scratch folder holding
links to the suite (conformance/, fixtures/, client-cases/, harness/, ../shared) with the built ecsconf
first on PATH, inside a private network namespace (unshare -n) so fixed ports such as 8080 are free.
Each must exit 0. After an example that ends in '&' the session waits for the port it names to accept
connections. The files the help text says an example reads (secret.txt, keys.txt) are written first.
Usage: examples.py ECSCONF SOURCE_DIR SHARED_DIR
"""
import json
import os
import re
import shlex
import signal
import shutil
import subprocess
import sys
import tempfile

COMMAND_START = re.compile(r"^  (ecsconf |aws |curl |openssl |ls |until |[A-Z_]+=)")


def help_examples(text):
    """Example commands of one --help text (continuation lines joined with their newline kept)."""
    examples, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if COMMAND_START.match(line):
            example = [line[2:]]
            while example[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                example.append(lines[i].strip())
            examples.append("\n".join(example))
        i += 1
    return examples


def readme_examples(text):
    examples, in_block, pending = [], False, []
    for line in text.split("\n"):
        if line.strip() == "```sh":
            in_block = True
        elif line.strip() == "```":
            in_block = False
        elif in_block and line.strip() and not line.lstrip().startswith("#"):
            pending.append(line.strip() if pending else line)
            if not line.endswith("\\"):
                examples.append("\n".join(pending))
                pending = []
    return examples


def load_catalogue(path):
    """page -> [(example, mode, reason)] from 'page<TAB>run|needs<TAB>reason<TAB>example' lines;
    an example's continuation lines follow it, each starting with a TAB."""
    entries = []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            raw = raw.rstrip("\n")
            if not raw or raw.startswith("#"):
                continue
            if raw.startswith("\t"):
                entries[-1][3] += "\n" + raw[1:]
                continue
            parts = raw.split("\t")
            if len(parts) != 4 or parts[1] not in ("run", "needs", "text") or (parts[1] != "run") != bool(parts[2]):
                sys.exit(f"{path}:{number}: expected 'page<TAB>run<TAB><TAB>example' or "
                         f"'page<TAB>needs|text<TAB>reason<TAB>example'")
            entries.append([parts[0], parts[1], parts[2], parts[3], number])
    return entries


def main():
    ecsconf, source, shared = sys.argv[1], sys.argv[2], sys.argv[3]
    pages = {}
    top = subprocess.run([ecsconf, "--help"], capture_output=True, text=True, check=True).stdout
    commands = re.findall(r"^  ([a-z][a-z0-9-]*) ", top.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0], re.M)
    for command in commands:
        text = subprocess.run([ecsconf, command, "--help"], capture_output=True, text=True, check=True).stdout
        pages["ecsconf " + command] = help_examples(text)
    with open(os.path.join(source, "README.md"), encoding="utf-8") as f:
        pages["README"] = readme_examples(f.read())

    catalogue = load_catalogue(os.path.join(source, "tests", "examples.txt"))
    failures = 0
    found = {(page, ex) for page, exs in pages.items() for ex in exs}
    for page, mode, reason, example, number in catalogue:
        if (page, example) not in found:
            print(f"FAIL: tests/examples.txt:{number}: no such example any more in {page}: {example!r}")
            failures += 1
    marked = {(e[0], e[3]): e for e in catalogue}
    for page, examples in pages.items():
        for example in examples:
            if (page, example) not in marked:
                print(f"FAIL: new example in {page}, not in tests/examples.txt (mark it run, or needs <reason>):")
                print("      " + example.replace("\n", "\n      "))
                failures += 1

    isolate = subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    with tempfile.TemporaryDirectory(prefix="ecsconf-examples.") as tmp:
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        os.symlink(os.path.abspath(ecsconf), os.path.join(bindir, "ecsconf"))
        for name in ("conformance", "fixtures", "client-cases", "harness"):
            os.symlink(os.path.join(source, name), os.path.join(work, name))
        if shared and os.path.isdir(shared):
            os.symlink(shared, os.path.join(tmp, "shared"))
            context = json.load(open(os.path.join(shared, "vectors/sigv4/get-vanilla/context.json")))
            secret = context["credentials"]["secret_access_key"]
            with open(os.path.join(work, "secret.txt"), "w") as f:
                f.write(secret + "\n")
            with open(os.path.join(work, "keys.txt"), "w") as f:
                f.write("AKIDEXAMPLE " + secret + "\n")
        for page, examples in pages.items():
            runs = []
            for example in examples:
                entry = marked.get((page, example))
                if entry is None:
                    continue
                program = missing_program(example, bindir)
                if entry[1] == "run" and program:
                    print(f"not run ({page}): {example.splitlines()[0]} -- '{program}' is not installed")
                elif entry[1] == "run":
                    runs.append(example)
                else:
                    print(f"not run ({page}): {example.splitlines()[0]} -- {entry[1]}: {entry[2]}")
            if not runs:
                continue
            if not isolate:
                print(f"SKIPPED ({page}): {len(runs)} examples need a private network namespace (unshare -n)")
                continue
            failures += run_session(page, runs, work, bindir, tmp)
    if failures:
        print(f"{failures} problem(s)")
        return 1
    print("every example is run or marked with its reason")
    return 0


def missing_program(example, bindir):
    """The example's program when it is not on PATH (after VAR=value words), else None."""
    words = [w for w in re.split(r"\s+", example.replace("\\\n", " ").strip()) if not re.match(r"^[A-Z_]+=", w)]
    if not words or words[0] in ("until", "ls", "export"):  # shell words, not programs
        return None
    path = bindir + ":" + os.environ.get("PATH", "")
    return None if shutil.which(words[0], path=path) else words[0]


def run_session(page, runs, work, bindir, tmp):
    script = ["set -u", "ip link set lo up 2>/dev/null || true", "fail=0",
              "wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; "
              "sleep 0.05; done; echo \"port $1 never opened\"; return 1; }"]
    for example in runs:
        label = example.splitlines()[0]
        script.append(f"echo {shlex.quote('$ ' + label)}")
        if example.startswith("export "):
            # An export sets the session's environment for the examples after it: no subshell.
            script.append(f"{example} && echo '  ok' || {{ echo '  FAIL: export'; fail=1; }}")
        elif example.rstrip().endswith("&"):
            script.append(example)
            port = re.search(r"(?:--listen [0-9.]+:|--port )([1-9][0-9]*)", example)
            if port:
                script.append(f"wait_port {port.group(1)} || fail=1")
        else:
            script.append(f"( {example}\n) >>{shlex.quote(tmp)}/example.log 2>&1 && echo '  ok' || "
                          f"{{ echo \"  FAIL: exit $?\"; tail -5 {shlex.quote(tmp)}/example.log; fail=1; }}")
    script.append("kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; exit $fail")
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], NO_COLOR="1", HOME=tmp)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECS"):
        env.pop(name, None)
    print(f"== {page}: {len(runs)} examples")
    # Its own process group: an example's server that outlives `kill $(jobs -p)` (it was started in a
    # subshell, or ignored the signal) is ended with the group, never left running after the test.
    session = subprocess.Popen(["unshare", "-n", "bash", "-c", "\n".join(script)], cwd=work, env=env,
                               start_new_session=True)
    try:
        returncode = session.wait(timeout=900)
    finally:
        try:
            os.killpg(session.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        session.wait()
    return 0 if returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
