"""Load generators and the aiogram baseline server of ``bench.ingest``.

* ``wrk`` with a Lua script that numbers the updates (one thread, keep-alive connections), when
  it is installed (``apt-get install wrk``);
* otherwise a raw-socket asyncio client on uvloop (``python -m bench.ingest_load URL``): each
  connection sends its next request as soon as the previous answer is complete;
* ``aiogram_server``: aiogram 3's ``SimpleRequestHandler`` on aiohttp with
  ``handle_in_background=True`` and a no-op message handler, on uvloop
  (``python -m bench.ingest_load --aiogram-server PORT``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TOKEN = "123456789:" + "B" * 35
SECRET = "bench-secret-" + "x" * 20
CHATS = 5000
TEXT = "Здравствуйте! В квартире 45 течёт кран на кухне, можно прислать мастера завтра утром?"
TEMPLATE = (
    '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,'
    '"first_name":"Алишер","last_name":"Каримов","username":"alisher_k","language_code":"ru"},'
    '"chat":{"id":%d,"first_name":"Алишер","last_name":"Каримов","username":"alisher_k",'
    '"type":"private"},"date":1717000000,"text":"' + TEXT + '"}}'
)
ROOT = Path(__file__).resolve().parent.parent


def update_body(n: int, base: int) -> bytes:
    chat = 100_000 + n % CHATS
    return (TEMPLATE % (base + n, n, chat, chat)).encode()


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_SCRIPT = """
local counter = 0
local base = %(base)d
local chats = %(chats)d
local template = [[%(template)s]]
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = "%(secret)s"
request = function()
  counter = counter + 1
  local chat = 100000 + counter %% chats
  return wrk.format(nil, nil, nil, string.format(template, base + counter, counter, chat, chat))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(
    url: str, duration: float, connections: int, base: int, cpu: int
) -> tuple[Result, float]:
    script = WRK_SCRIPT % {
        "base": base,
        "chats": CHATS,
        "template": TEMPLATE,
        "secret": SECRET,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        cmd = ["taskset", "-c", str(cpu), "wrk", "-t1", f"-c{connections}"]
        cmd += [f"-d{max(1, round(duration))}s", "-s", f.name, url]
        out, cpu_seconds = run_measured(cmd)
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    req, dur_us, p50, p99, non2xx, errors = (int(v) for v in line.split()[1:])
    return Result(req, dur_us / 1e6, p50 / 1000, p99 / 1000, non2xx, errors), cpu_seconds


class _Conn(asyncio.Protocol):
    """One keep-alive connection sending the next request as soon as the previous answer is in."""

    def __init__(self, load: _PyLoad) -> None:
        self.load = load
        self.buf = b""
        self.started = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.started = time.perf_counter()
        self.transport.write(self.load.next_request())

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buf[:end].lower()
        at = head.find(b"content-length:")
        line_end = head.find(b"\r\n", at)
        length = int(head[at + 15 : line_end if line_end > 0 else len(head)]) if at >= 0 else 0
        if len(self.buf) < end + 4 + length:
            return
        status = int(self.buf[9:12])
        self.buf = self.buf[end + 4 + length :]
        self.load.record(time.perf_counter() - self.started, status)
        if time.perf_counter() < self.load.deadline:
            self.send()
        else:
            assert self.transport is not None
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.load.closed()


class _PyLoad:
    def __init__(self, host: str, port: int, path: str, base: int, duration: float) -> None:
        self.head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: "
        ).encode()
        self.base = base
        self.n = 0
        self.deadline = time.perf_counter() + duration
        self.latencies: list[float] = []
        self.non_2xx = 0
        self.open = 0
        self.done = asyncio.get_running_loop().create_future()

    def next_request(self) -> bytes:
        self.n += 1
        body = update_body(self.n, self.base)
        return self.head + str(len(body)).encode() + b"\r\n\r\n" + body

    def record(self, seconds: float, status: int) -> None:
        self.latencies.append(seconds)
        if not 200 <= status < 300:
            self.non_2xx += 1

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0 and not self.done.done():
            self.done.set_result(None)


async def _py_load(url: str, duration: float, connections: int, base: int) -> Result:
    host_port = url.split("//", 1)[1].split("/", 1)
    host, port = host_port[0].rsplit(":", 1)
    load = _PyLoad(host, int(port), "/" + host_port[1], base, duration)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    load.open = connections
    for _ in range(connections):
        await loop.create_connection(lambda: _Conn(load), host, int(port))
    await load.done
    seconds = time.perf_counter() - started
    lat = sorted(load.latencies)
    return Result(len(lat), seconds, _pick(lat, 0.50), _pick(lat, 0.99), load.non_2xx, 0)


def _pick(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run_python_load(
    url: str, duration: float, connections: int, base: int, cpu: int
) -> tuple[Result, float]:
    cmd = ["taskset", "-c", str(cpu), sys.executable, "-m", "bench.ingest_load", url]
    cmd += ["--duration", str(duration), "--connections", str(connections), "--base", str(base)]
    out, cpu_seconds = run_measured(cmd)
    return Result(**json.loads(out.strip().splitlines()[-1])), cpu_seconds


def run_measured(cmd: list[str]) -> tuple[str, float]:
    """Run a load generator; its stdout and the CPU seconds it used."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f"{cmd[3]} exited with {proc.returncode}")
        out.seek(0)
        return out.read().decode(), usage.ru_utime + usage.ru_stime


def aiogram_server(port: int) -> None:
    import uvloop
    from aiogram import Bot, Dispatcher
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    async def main() -> None:
        bot = Bot(TOKEN)
        dp = Dispatcher()

        @dp.message()
        async def noop(message: Message) -> None:
            return None

        app = web.Application()
        SimpleRequestHandler(
            dispatcher=dp, bot=bot, handle_in_background=True, secret_token=SECRET
        ).register(app, path="/webhook")
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await runner.cleanup()
        await bot.session.close()

    uvloop.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_load")
    parser.add_argument("url", nargs="?", default="")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--base", type=int, default=0)
    parser.add_argument("--aiogram-server", type=int, metavar="PORT")
    args = parser.parse_args()
    if args.aiogram_server:
        aiogram_server(args.aiogram_server)
        return
    import uvloop

    result = uvloop.run(_py_load(args.url, args.duration, args.connections, args.base))
    print(json.dumps(result.__dict__))


if __name__ == "__main__":
    main()
