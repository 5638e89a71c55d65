#!/usr/bin/python3
"""A real SMTP server on loopback for the e-mail tests (aiosmtpd).

  /usr/bin/python3 smtp_sink.py DIR [--refuse-first N] [--reject-rcpt TEXT] [--rcpt-delay-ms MS]

Listens on 127.0.0.1 on a free port and prints "listening PORT" once it accepts. Each message
it accepts is written to DIR as <n>.eml (the bytes received) and <n>.json (parsed with the
standard library's email package: every header, the text/plain and text/html parts decoded,
and the envelope), both written to a temporary name first and renamed, so a reader never
sees half a file. The first N messages are answered 451 (try again later); a recipient
containing TEXT is refused with 550 at RCPT. With --rcpt-delay-ms, each RCPT is answered
after MS milliseconds, and DIR/rcpt_state holds "WAITING IN_FLIGHT": messages waiting for
that answer, and messages between RCPT and the answer to DATA. A test kills the client
while every message in flight waits (none of them is sent, so it can tell a lost message
from a duplicate). Stops on SIGTERM or SIGKILL (a test's child).
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import socket

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse_first, reject_rcpt, rcpt_delay_ms):
        self.directory = directory
        self.rcpt_delay = rcpt_delay_ms / 1000.0
        self.refuse_left = refuse_first
        self.reject_rcpt = reject_rcpt
        self.count = 0
        self.refused = 0
        self.in_flight = 0  # messages between RCPT and the answer to DATA (with a delay only)
        self.waiting = 0  # of those, waiting for the answer to RCPT

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt and self.reject_rcpt in address:
            return "550 5.1.1 mailbox unavailable"
        if self.rcpt_delay > 0:
            self.in_flight += 1
            self.waiting += 1
            self._write_state()
            await asyncio.sleep(self.rcpt_delay)
            self.waiting -= 1
            self._write_state()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.rcpt_delay > 0:
            self.in_flight -= 1
            self._write_state()
        if self.refuse_left > 0:
            self.refuse_left -= 1
            self.refused += 1
            self._write_counts()
            return "451 4.3.0 try again later"
        self.count += 1
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_maintype() == "multipart":
                continue
            parts.setdefault(part.get_content_type(), part.get_content())
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content_type": msg.get_content_type(),
            "headers": {k: str(v) for k, v in msg.items()},
            "raw_subject": _raw_header(raw, "Subject"),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
        }
        base = os.path.join(self.directory, "%06d" % self.count)
        _write(base + ".eml", raw)
        _write(base + ".json", json.dumps(summary, indent=1).encode())
        self._write_counts()
        return "250 OK"

    def _write_state(self):
        _write(os.path.join(self.directory, "rcpt_state"), ("%d %d\n" % (self.waiting, self.in_flight)).encode())

    def _write_counts(self):
        _write(os.path.join(self.directory, "counts"), ("%d %d\n" % (self.count, self.refused)).encode())


def _raw_header(raw, name):
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    prefix = name.lower().encode() + b":"
    for line in head.splitlines():
        if line.lower().startswith(prefix):
            return line[len(prefix):].strip().decode("ascii", "replace")
    return None


def _write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("directory")
    p.add_argument("--refuse-first", type=int, default=0)
    p.add_argument("--reject-rcpt", default="")
    p.add_argument("--rcpt-delay-ms", type=int, default=0)
    a = p.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(a.directory, a.refuse_first, a.reject_rcpt, a.rcpt_delay_ms), hostname="127.0.0.1", port=port)
    controller.start()
    print("listening %d" % port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
